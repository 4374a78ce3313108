import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("Acrobot-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(6, 128), torch.nn.ReLU(), torch.nn.Linear(128, 3))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=5e-4)
gamma = 0.99


def update(s, a, r, s2, done):
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - done)
    loss = F.smooth_l1_loss(q_net(s)[0, a], y[0])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


obs, _ = env.reset(seed=0)
for step in range(10_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    update(torch.as_tensor(obs)[None], action, reward, torch.as_tensor(next_obs)[None], terminated)
    obs = env.reset()[0] if terminated or truncated else next_obs
