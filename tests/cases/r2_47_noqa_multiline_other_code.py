# review case: DQN003 at line 20 (noqa on the multi-line statement names another code (DQN004), so DQN003 stays; DQN100 at line 19: that DQN004 is unused)
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

env = gym.make("MountainCar-v0")
q = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))
q_t = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
memory, gamma = [], 0.99
obs, _ = env.reset()
for step in range(5000):
    action = env.action_space.sample()
    nxt, rew, terminated, truncated, _ = env.step(action)
    done = (  # noqa: DQN004  # expect: DQN100
        terminated  # expect: DQN003
        or truncated
    )
    memory.append((obs, action, rew, nxt, done))
    obs = env.reset()[0] if done else nxt
    if len(memory) >= 128:
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*random.sample(memory, 64)))
        with torch.no_grad():
            y = r + gamma * q_t(s2).max(1).values * (1 - d)
        loss = F.mse_loss(q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if step % 200 == 0:
        q_t.load_state_dict(q.state_dict())
