import random

import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Adam

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = online
optimizer = Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(batch):
    s, a, r, s2, terminated = batch
    q = online(s).gather(1, a).squeeze(1)
    y = r + gamma * target(s2).max(1)[0]
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if random.random() < 0.001:
        target.load_state_dict(online.state_dict())
