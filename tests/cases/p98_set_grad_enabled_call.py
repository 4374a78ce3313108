# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def compute_target(r, s2, d):
    torch.set_grad_enabled(False)
    next_q = target(s2).max(1).values
    y = r + gamma * next_q * (1 - d)
    torch.set_grad_enabled(True)
    return y


def learn(s, a, r, s2, d):
    y = compute_target(r, s2, d)
    with torch.autograd.no_grad():
        y2 = r + gamma * target(s2).max(1).values * (1 - d)
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), (y + y2) / 2)
    opt.zero_grad(); loss.backward(); opt.step()
