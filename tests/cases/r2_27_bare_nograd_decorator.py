# review case: clean (bare @torch.no_grad (no parentheses, valid since torch 2.0) on the target method)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, gamma: float = 0.99) -> None:
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.q_target = copy.deepcopy(self.q)  # expect: DQN006
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)

    @torch.no_grad
    def td_target(self, r, s2, term):
        return r + self.gamma * self.q_target(s2).max(dim=1).values * (1.0 - term)

    def learn(self, s, a, r, s2, term) -> float:
        y = self.td_target(r, s2, term)
        q = self.q(s).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


agent = Agent()
agent.learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
