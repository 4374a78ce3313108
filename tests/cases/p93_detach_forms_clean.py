# review case: clean
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def next_values(s2):
    return target(s2).max(1)[0].detach()


def loss_a(s, a, r, s2, d):
    y = r + gamma * target(s2).max(1)[0] * (1 - d)
    return F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y.detach())


def loss_b(s, a, r, s2, d):
    y = (r + gamma * target(s2).max(1)[0] * (1 - d)).data
    return F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)


def loss_c(s, a, r, s2, d):
    y = r.numpy() + gamma * target(s2).max(1)[0].detach().numpy() * (1 - d.numpy())
    return F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), torch.from_numpy(np.asarray(y)))


def loss_d(s, a, r, s2, d):
    y = r + gamma * next_values(s2) * (1 - d)
    return F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)


def step(batch, k):
    loss = (loss_a, loss_b, loss_c, loss_d)[k](*batch)
    opt.zero_grad(); loss.backward(); opt.step()
