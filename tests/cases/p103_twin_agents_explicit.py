# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

GAMMA = 0.99
q_a = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_b = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
tq_a, tq_b = copy.deepcopy(q_a), copy.deepcopy(q_b)  # expect: DQN006
opt_a = torch.optim.Adam(q_a.parameters(), lr=1e-3)
opt_b = torch.optim.Adam(q_b.parameters(), lr=1e-3)


def td_loss(online, target, batch):
    s, a, r, s2, terminated = batch
    with torch.no_grad():
        y = r + GAMMA * target(s2).max(1).values * (1 - terminated)
    return F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)


def train_step(batch_a, batch_b):
    loss_a = td_loss(q_a, tq_a, batch_a)
    opt_a.zero_grad(); loss_a.backward(); opt_a.step()
    loss_b = td_loss(q_b, tq_b, batch_b)
    opt_b.zero_grad(); loss_b.backward(); opt_b.step()
