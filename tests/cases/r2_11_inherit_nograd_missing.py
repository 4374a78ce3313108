# review case: DQN002 at line 32 (subclass override forgets no_grad; the bootstrap net is the base class's separate target)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, gamma: float = 0.99):
        self.gamma = gamma
        self.online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.target = copy.deepcopy(self.online)  # expect: DQN006
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=5e-4)

    def td_target(self, r, s2, term):
        with torch.no_grad():
            return r + self.gamma * (1 - term) * self.target(s2).max(1).values

    def update(self, s, a, r, s2, term):
        y = self.td_target(r, s2, term)
        q = self.online(s).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


class DoubleDQNAgent(DQNAgent):
    def td_target(self, r, s2, term):
        a2 = self.online(s2).argmax(1, keepdim=True)
        next_q = self.target(s2).gather(1, a2).squeeze(1)  # expect: DQN002
        return r + self.gamma * (1 - term) * next_q


agent = DoubleDQNAgent()
agent.update(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
