# review case: DQN003 at line 15 (a gym.Wrapper in the file reports truncation as termination; the agent masks with position 2)
import copy
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class EndOnTimeout(gym.Wrapper):
    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated or truncated, False, info  # expect: DQN003


env = EndOnTimeout(gym.make("CartPole-v1"))
q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_t = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
memory, gamma = [], 0.99
obs, _ = env.reset()
for step in range(5000):
    action = env.action_space.sample()
    nxt, rew, terminated, truncated, _ = env.step(action)
    memory.append((obs, action, rew, nxt, terminated))
    obs = env.reset()[0] if terminated or truncated else nxt
    if len(memory) >= 128:
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*random.sample(memory, 64)))
        with torch.no_grad():
            y = r + gamma * q_t(s2).max(1).values * (1 - d)
        loss = F.mse_loss(q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
