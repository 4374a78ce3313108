# review case: DQN004 at line 45 (project-style, compute_td_target lacks the mask)
import copy
import random
from collections import deque

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, obs_dim: int, n_actions: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


class ReplayBuffer:
    def __init__(self, capacity: int):
        self.storage = deque(maxlen=capacity)

    def push(self, s, a, r, s2, term):
        self.storage.append((s, a, r, s2, term))

    def sample(self, n: int):
        s, a, r, s2, term = zip(*random.sample(self.storage, n))
        f = lambda x: torch.as_tensor(np.array(x), dtype=torch.float32)
        return f(s), f(a).long(), f(r), f(s2), f(term)


class Agent:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.gamma = gamma
        self.online = QNetwork(obs_dim, n_actions)
        self.target = copy.deepcopy(self.online)
        self.optim = torch.optim.Adam(self.online.parameters(), lr=1e-3)

    def compute_td_target(self, r, s2, term):
        with torch.no_grad():
            next_q = self.target(s2).max(dim=1).values
            return r + self.gamma * next_q  # expect: DQN004

    def compute_loss(self, batch):
        s, a, r, s2, term = batch
        q = self.online(s).gather(1, a.unsqueeze(1)).squeeze(1)
        return F.smooth_l1_loss(q, self.compute_td_target(r, s2, term))

    def update(self, batch):
        loss = self.compute_loss(batch)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()


class Trainer:
    def __init__(self):
        self.env = gym.make("CartPole-v1")
        self.agent = Agent(4, 2)
        self.buffer = ReplayBuffer(50_000)

    def run(self, steps=10_000):
        obs, _ = self.env.reset(seed=0)
        for t in range(steps):
            a = self.env.action_space.sample()
            obs2, r, terminated, truncated, _ = self.env.step(a)
            self.buffer.push(obs, a, r, obs2, terminated)
            obs = obs2
            if terminated or truncated:
                obs, _ = self.env.reset()
            if len(self.buffer.storage) > 256:
                self.agent.update(self.buffer.sample(64))
            if t % 500 == 0:
                self.agent.target.load_state_dict(self.agent.online.state_dict())
