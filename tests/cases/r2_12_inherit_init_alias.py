# review case: DQN001 at line 29 (subclass __init__ replaces the target with the online net after super().__init__())
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, gamma: float = 0.99):
        self.gamma = gamma
        self.online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.target = copy.deepcopy(self.online)
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=5e-4)

    def update(self, s, a, r, s2, term):
        with torch.no_grad():
            y = r + self.gamma * (1 - term) * self.target(s2).max(1).values
        q = self.online(s).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


class FastAgent(DQNAgent):
    def __init__(self, gamma: float = 0.99):
        super().__init__(gamma)
        self.target = self.online  # expect: DQN001


agent = FastAgent()
agent.update(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
