# review case: DQN005 at line 22 (@staticmethod greedy_value(net, x) called with the trained network for the bootstrap)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, gamma=0.99):
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.q_target = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)

    @staticmethod
    def greedy_value(net: nn.Module, obs: torch.Tensor) -> torch.Tensor:
        return net(obs).max(dim=1).values

    def learn(self, s, a, r, s2, term):
        with torch.no_grad():
            y = r + self.gamma * self.greedy_value(self.q, s2) * (1 - term)  # expect: DQN005
        loss = F.mse_loss(self.q(s).gather(1, a[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


Agent().learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
