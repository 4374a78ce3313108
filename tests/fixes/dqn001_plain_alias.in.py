import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = online
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def train_step(states, actions, rewards, next_states, dones, step):
    q = online(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * target(next_states).max(1)[0] * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
