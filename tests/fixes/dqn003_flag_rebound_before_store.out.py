"""`terminated` is re-bound between the conflation and the store: sending it would store False."""
import random

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
memory = []
gamma = 0.99
obs, _ = env.reset(seed=0)
for step in range(1000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated
    terminated = False
    memory.append((obs, action, reward, next_obs, done))
    obs = env.reset()[0] if done else next_obs
    s, a, r, s2, d = map(torch.tensor, zip(*random.sample(memory, min(len(memory), 32))))
    with torch.no_grad():
        y = r + gamma * target(s2.float()).max(1)[0] * (1 - d.float())
    loss = F.mse_loss(online(s).gather(1, a.long()[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
