# review case: DQN001 at line 16
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def hard_update(target, source):
    for target_param, param in zip(target.parameters(), source.parameters()):
        target_param.data = param.data  # expect: DQN001


def learn(step, s, a, r, s2, terminated):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        hard_update(target, online)
