# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
GAMMA = 0.99


@torch.no_grad()
def targets(r, s2, d):
    nq = target(s2).max(1)[0]
    y1 = r + GAMMA * nq * (d == 0).float()
    y2 = r + GAMMA * nq * d.logical_not()
    y3 = r + GAMMA * nq * torch.logical_not(d)
    y4 = r + GAMMA * nq * (1. - d.float())
    y5 = r + GAMMA * nq * d.eq(0)
    y6 = r + (1 - d.int()) * GAMMA * nq
    y7 = r + GAMMA * (nq * ~d)
    y8 = r + GAMMA * torch.where(d, 0.0, nq)
    y9 = r + GAMMA * nq.mul(1 - d.float())
    return (y1 + y2 + y3 + y4 + y5 + y6 + y7 + y8 + y9) / 9


def learn(s, a, r, s2, d):
    y = targets(r, s2, d.bool())
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
