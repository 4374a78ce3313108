# review case: clean
import random

import gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

env = gym.make("CartPole-v1")
policy = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target.load_state_dict(policy.state_dict())
for p in target.parameters():
    p.requires_grad = False
opt = torch.optim.Adam(policy.parameters(), lr=1e-3)
replay, gamma = [], 0.99


def learn():
    batch = random.sample(replay, 64)
    s, a, r, s2, d = map(lambda x: torch.tensor(np.array(x), dtype=torch.float32), zip(*batch))
    next_q = target(s2).max(1)[0]
    y = r + gamma * next_q * (1 - d)
    q = policy(s).gather(1, a.long().unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    opt.zero_grad(); loss.backward(); opt.step()


for step in range(100000):
    state = env.reset() if step == 0 or done else state
    action = env.action_space.sample()
    next_state, reward, done, info = env.step(action)
    terminal = done
    if "TimeLimit.truncated" in info and info["TimeLimit.truncated"]:
        terminal = False
    replay.append((state, action, reward, next_state, terminal))
    state = next_state
    if len(replay) > 1000:
        learn()
    if step % 1000 == 0:
        target.load_state_dict(policy.state_dict())
