# review case: DQN003 at line 44 only. A flag reassigned before the mask reads it: only the
# definitions that reach the read count. A plain, a tuple or an annotated assignment kills the
# earlier ones, also in a loop body, where the combined flag is assigned after the read.
import torch
import torch.nn as nn

q, q_target = nn.Linear(2, 3), nn.Linear(2, 3)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
gamma = 0.99


def learn(s, a, r, s2, mask):
    with torch.no_grad():
        y = r + gamma * mask * q_target(torch.as_tensor(s2)).max()
    loss = (q(torch.as_tensor(s))[a] - y) ** 2
    opt.zero_grad()
    loss.backward()
    opt.step()


def tuple_target_kills(env, s):
    a = env.action_space.sample()
    s2, r, terminated, truncated, _ = env.step(a)
    done = terminated or truncated
    done, info = float(terminated), None
    learn(s, a, r, s2, 1.0 - done)


def annotated_assignment_kills(env, s):
    a = env.action_space.sample()
    s2, r, terminated, truncated, _ = env.step(a)
    done = terminated or truncated
    done: float = float(terminated)
    learn(s, a, r, s2, 1.0 - done)


def the_later_assignment_reaches(env, s):
    a = env.action_space.sample()
    s2, r, terminated, truncated, _ = env.step(a)
    done = float(terminated)
    if done:
        print("terminal")
    done = terminated or truncated  # expect: DQN003
    learn(s, a, r, s2, 1.0 - done)


def loop_kill_before_the_read(env):
    s, _ = env.reset()
    done = False
    for _ in range(100):
        a = env.action_space.sample()
        s2, r, terminated, truncated, _ = env.step(a)
        done = float(terminated)
        learn(s, a, r, s2, 1.0 - done)
        done = terminated or truncated
        s = env.reset()[0] if done else s2

