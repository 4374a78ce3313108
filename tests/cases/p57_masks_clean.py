# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 3))
target_net = copy.deepcopy(q_net).requires_grad_(False)  # expect: DQN006
opt = torch.optim.Adam(q_net.parameters(), lr=1e-3)
GAMMA = 0.99


def loss_masked_fill(s, a, r, s2, done):
    next_q = target_net(s2).max(dim=1).values.masked_fill(done.bool(), 0.0)
    y = r + GAMMA * next_q
    return F.mse_loss(q_net(s).gather(1, a[:, None]).squeeze(1), y)


def loss_index_zero(s, a, r, s2, done):
    with torch.no_grad():
        next_q = target_net(s2).max(1)[0]
        next_q[done.bool()] = 0.0
        y = r + GAMMA * next_q
    return F.mse_loss(q_net(s).gather(1, a[:, None]).squeeze(1), y)


def loss_per_sample_discount(s, a, r, s2, done):
    discounts = GAMMA * (1.0 - done.float())
    with torch.set_grad_enabled(False):
        y = r + discounts * target_net(s2).max(1).values
    return F.mse_loss(q_net(s).gather(1, a[:, None]).squeeze(1), y)


def loss_not_done(s, a, r, s2, done):
    not_done = ~done.bool()
    with torch.inference_mode():
        y = r + GAMMA * not_done * target_net(s2).amax(1)
    return F.mse_loss(q_net(s).gather(1, a[:, None]).squeeze(1), y.clone())


def step(batch, which):
    loss = [loss_masked_fill, loss_index_zero, loss_per_sample_discount, loss_not_done][which](*batch)
    opt.zero_grad(); loss.backward(); opt.step()
