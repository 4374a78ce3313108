# review case: DQN003 at line 19 (the unpacking names position 3 (truncated) "terminated"; it masks the target)
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

env = gym.make("CartPole-v1")
q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_t = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_t.load_state_dict(q.state_dict())
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
memory, gamma = [], 0.99
obs, _ = env.reset(seed=1)
for step in range(5000):
    action = env.action_space.sample()
    nxt, rew, truncated, terminated, _ = env.step(action)  # expect: DQN003
    memory.append((obs, action, rew, nxt, float(terminated)))
    obs = nxt if not (terminated or truncated) else env.reset()[0]
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
