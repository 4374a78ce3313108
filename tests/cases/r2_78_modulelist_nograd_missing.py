# review case: DQN002 at line 16 (online/target unpacked from an nn.ModuleList; the target pass lacks no_grad (separate network: warning))
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
nets = nn.ModuleList([q, copy.deepcopy(q)])
opt = torch.optim.Adam(nets[0].parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, term):
    online, target = nets
    next_q = target(s2).max(1).values  # expect: DQN002
    y = r + gamma * next_q * (1 - term)
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
