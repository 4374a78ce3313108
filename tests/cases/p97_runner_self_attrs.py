# review case: DQN003 at line 24
import copy
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Trainer:
    def __init__(self, env_id="CartPole-v1", gamma=0.99):
        self.env = gym.make(env_id)
        self.q = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
        self.q_target = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.memory, self.gamma = [], gamma
        self.obs, _ = self.env.reset()

    def collect(self):
        action = self.env.action_space.sample()
        next_obs, reward, self.terminated, self.truncated, _ = self.env.step(action)
        self.done = self.terminated or self.truncated  # expect: DQN003
        self.memory.append((self.obs, action, reward, next_obs, self.done))
        self.obs = self.env.reset()[0] if self.done else next_obs

    def update(self):
        s, a, r, s2, d = map(lambda x: torch.as_tensor(np.array(x), dtype=torch.float32), zip(*random.sample(self.memory, 64)))
        with torch.no_grad():
            y = r + self.gamma * self.q_target(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(self.q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        self.opt.zero_grad(); loss.backward(); self.opt.step()

    def train(self, steps):
        for t in range(steps):
            self.collect()
            if len(self.memory) > 64:
                self.update()
            if t % 500 == 0:
                self.q_target.load_state_dict(self.q.state_dict())
