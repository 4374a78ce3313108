# review case: DQN003 at line 23 (list(zip(*batch)) instead of zip(*batch)); dqn-lint reports nothing
import random
import torch
import torch.nn as nn

q, target_q = nn.Linear(4, 2), nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
memory = []

def learn(gamma=0.99):
    batch = random.sample(memory, 32)
    s, a, r, s2, d = map(torch.tensor, list(zip(*batch)))
    with torch.no_grad():
        y = r + gamma * target_q(s2).max(1)[0] * (1 - d)
    loss = (q(s).gather(1, a[:, None]).squeeze(1) - y).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()

def run(env):
    obs, _ = env.reset()
    for _ in range(10000):
        act = env.action_space.sample()
        obs2, rew, term, trunc, _ = env.step(act)
        done = term or trunc  # expect: DQN003
        memory.append((obs, act, rew, obs2, done))
        obs = env.reset()[0] if done else obs2
        learn()
