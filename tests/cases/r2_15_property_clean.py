# review case: clean (the target network is exposed through a @property over a deep copy)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, gamma=0.99):
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(6, 64), nn.Tanh(), nn.Linear(64, 3))
        self._target = copy.deepcopy(self.q).requires_grad_(False)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=3e-4)

    @property
    def target(self) -> nn.Module:
        return self._target

    def learn(self, s, a, r, s2, term):
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(-1).values * (1 - term)
        loss = F.mse_loss(self.q(s).gather(-1, a[..., None]).squeeze(-1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def sync(self):
        self.target.load_state_dict(self.q.state_dict())


agent = Agent()
agent.learn(torch.randn(8, 6), torch.randint(0, 3, (8,)), torch.randn(8), torch.randn(8, 6), torch.zeros(8))
