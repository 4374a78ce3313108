# review case: clean (nn.ModuleList([online, target]) unpacked by index, class-based)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class DQNModel(nn.Module):
    def __init__(self, obs_dim=4, n_actions=2, gamma=0.99):
        super().__init__()
        q = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions))
        self.nets = nn.ModuleList([q, copy.deepcopy(q)])
        self.gamma = gamma

    def loss(self, s, a, r, s2, term):
        online, target = self.nets[0], self.nets[1]
        with torch.no_grad():
            y = r + self.gamma * target(s2).max(1).values * (1 - term)
        q = online(s).gather(1, a[:, None]).squeeze(1)
        return F.smooth_l1_loss(q, y)


model = DQNModel()
opt = torch.optim.Adam(model.nets[0].parameters(), lr=1e-3)
loss = model.loss(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
opt.zero_grad()
loss.backward()
opt.step()
