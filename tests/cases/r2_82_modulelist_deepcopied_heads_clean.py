# review case: clean (target heads are deep copies built with a generator into nn.ModuleList)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

heads = nn.ModuleList([nn.Linear(16, 4) for _ in range(5)])
target_heads = nn.ModuleList(copy.deepcopy(h) for h in heads)
optimizer = torch.optim.Adam(heads.parameters(), lr=1e-4)
gamma = 0.99


def update(k, s, a, r, s2, terminated):
    with torch.no_grad():
        y = r + gamma * (1 - terminated) * target_heads[k](s2).max(1).values
    loss = F.mse_loss(heads[k](s).gather(1, a[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


update(0, torch.randn(8, 16), torch.randint(0, 4, (8,)), torch.randn(8), torch.randn(8, 16), torch.zeros(8))
