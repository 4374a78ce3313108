# review case: DQN005 at line 18; no DQN002: the TD target's arithmetic runs under the @torch.no_grad() decorator, so it carries no gradient although next_q was computed under enable_grad
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = copy.deepcopy(online)
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


@torch.no_grad()
def td_target(r, s2, term):
    with torch.enable_grad():  # left over from a gradient-penalty experiment
        next_a = online(s2).argmax(1, keepdim=True)
        next_q = online(s2).gather(1, next_a).squeeze(1)  # expect: DQN005
    return r + gamma * next_q * (1 - term)


def learn(s, a, r, s2, term):
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), td_target(r, s2, term))
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
