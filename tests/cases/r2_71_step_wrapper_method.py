# review case: DQN003 at line 22 (a helper method folds truncation into a 4-tuple done; the agent stores that done)
import copy
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Runner:
    def __init__(self, gamma=0.99):
        self.env = gym.make("CartPole-v1")
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.q_t = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.gamma, self.memory = gamma, []

    def env_step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated or truncated, info  # expect: DQN003

    def collect(self, obs):
        action = self.env.action_space.sample()
        next_obs, reward, done, _ = self.env_step(action)
        self.memory.append((obs, action, reward, next_obs, done))
        return self.env.reset()[0] if done else next_obs

    def learn(self):
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*random.sample(self.memory, 64)))
        with torch.no_grad():
            y = r + self.gamma * self.q_t(s2).max(1).values * (1 - d)
        loss = F.mse_loss(self.q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
