# review case: a buffer sampled by a seeded `random.Random` instance still hands back the stored flags
import random
from collections import deque

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Buffer:
    def __init__(self, size, seed):
        self.memory = deque(maxlen=size)
        self._random = random.Random(seed)

    def add(self, s, a, r, s2, done):
        self.memory.append((s, a, r, s2, done))

    def sample(self, n):
        batch = self._random.sample(self.memory, k=n)
        s, a, r, s2, d = zip(*batch)
        return (torch.as_tensor(np.stack(s)), torch.as_tensor(a), torch.as_tensor(r, dtype=torch.float32),
                torch.as_tensor(np.stack(s2)), torch.as_tensor(d, dtype=torch.float32))


env = gym.make("CartPole-v1")
q = nn.Linear(4, 2)
target = nn.Linear(4, 2)  # expect: DQN006
optimizer = torch.optim.Adam(q.parameters())
buffer = Buffer(10000, seed=0)
obs, _ = env.reset()
for step in range(1000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated  # expect: DQN003
    buffer.add(obs, action, reward, next_obs, done)
    obs = next_obs if not done else env.reset()[0]
    if step > 64:
        s, a, r, s2, d = buffer.sample(64)
        with torch.no_grad():
            y = r + 0.99 * target(s2.float()).max(1).values * (1 - d)
        loss = F.mse_loss(q(s.float()).gather(1, a.long().unsqueeze(1)).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
