import random

import gymnasium as gym
import torch
import torch.nn.functional as F


class Buffer:
    def __init__(self):
        self.data = []

    def add(self, obs, action, reward, next_obs, done):
        self.data.append((obs, action, reward, next_obs, done))

    def sample(self, n):
        return [torch.tensor(c, dtype=torch.float32) for c in zip(*random.sample(self.data, n))]


env = gym.make("CartPole-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
buffer = Buffer()
gamma = 0.99
obs, _ = env.reset(seed=0)
for step in range(20_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated
    buffer.add(obs, action, reward, next_obs, terminated)
    obs = env.reset()[0] if done else next_obs
    if step >= 1_000:
        s, a, r, s2, d = buffer.sample(64)
        with torch.no_grad():
            y = r + gamma * target_net(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(q_net(s).gather(1, a.long()[:, None]).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
