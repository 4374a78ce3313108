# review case: clean (subclass calls super().compute_td_target and clips; base is correct)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Base:
    def __init__(self, gamma=0.99):
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
        self.q_targ = copy.deepcopy(self.q)  # expect: DQN006
        for p in self.q_targ.parameters():
            p.requires_grad_(False)
        self.opt = torch.optim.RMSprop(self.q.parameters(), lr=2.5e-4)

    def compute_td_target(self, r, s2, term):
        return r + self.gamma * self.q_targ(s2).amax(dim=-1) * (~term).float()

    def update(self, s, a, r, s2, term):
        y = self.compute_td_target(r, s2, term)
        q = self.q(s).gather(-1, a.unsqueeze(-1)).squeeze(-1)
        loss = F.huber_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


class Clipped(Base):
    def compute_td_target(self, r, s2, term):
        return super().compute_td_target(r, s2, term).clamp(-100.0, 100.0)


agent = Clipped()
agent.update(torch.randn(16, 8), torch.randint(0, 4, (16,)), torch.randn(16), torch.randn(16, 8), torch.zeros(16, dtype=torch.bool))
