# review case: clean (dataclass cfg, n-step discount cfg.gamma ** cfg.n_step, masked, inference_mode)
import copy
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Cfg:
    gamma: float = 0.99
    n_step: int = 3
    lr: float = 6.25e-5


cfg = Cfg()
q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_t = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=cfg.lr, eps=1.5e-4)


def update(s, a, ret_n, s_n, term_n):
    with torch.inference_mode():
        boot = q_t(s_n).max(1).values
    y = ret_n + (cfg.gamma ** cfg.n_step) * boot.clone() * (1 - term_n)
    loss = F.smooth_l1_loss(q(s).gather(1, a[:, None]).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


update(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
