import random

import gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(4, 24), torch.nn.ReLU(), torch.nn.Linear(24, 2))
target_net = torch.nn.Sequential(torch.nn.Linear(4, 24), torch.nn.ReLU(), torch.nn.Linear(24, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
memory, gamma = [], 0.95
state = env.reset()
for t in range(10_000):
    action = env.action_space.sample()
    next_state, reward, done, info = env.step(action)
    memory.append((state, action, reward, next_state, done))
    state = env.reset() if done else next_state
    if len(memory) >= 32:
        s, a, r, s2, d = map(torch.tensor, zip(*random.sample(memory, 32)))
        with torch.no_grad():
            y = r + gamma * target_net(s2.float()).max(1)[0] * (1 - d.float())
        q = q_net(s.float()).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
