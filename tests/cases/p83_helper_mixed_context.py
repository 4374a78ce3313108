# review case: DQN002 at the call that runs the helper with autograd on (line 24), not inside the helper, whose other caller is under no_grad
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 4))
target = copy.deepcopy(online)  # expect: DQN006
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99


def bootstrap(net, next_obs):
    return net(next_obs).max(1).values


def log_values(next_obs):
    with torch.no_grad():
        return bootstrap(target, next_obs).mean().item()


def update(obs, actions, rewards, next_obs, terminated):
    y = rewards + gamma * bootstrap(target, next_obs) * (1 - terminated)  # expect: DQN002
    q = online(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return log_values(next_obs)
