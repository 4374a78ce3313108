# review case: DQN003 at line 14 (mask = 0.0 if done else 1.0 inverts a terminated-or-truncated flag); dqn-lint reports nothing
import torch
import torch.nn as nn

q, q_target = nn.Linear(2, 3), nn.Linear(2, 3)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
gamma = 0.99

def run(env):
    s, _ = env.reset()
    while True:
        a = env.action_space.sample()
        s2, r, terminated, truncated, _ = env.step(a)
        done = terminated or truncated  # expect: DQN003
        mask = 0.0 if done else 1.0
        with torch.no_grad():
            y = r + gamma * mask * q_target(torch.as_tensor(s2)).max()
        loss = (q(torch.as_tensor(s))[a] - y) ** 2
        opt.zero_grad(); loss.backward(); opt.step()
        s = env.reset()[0] if done else s2
