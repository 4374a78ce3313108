# review case: clean; `None` placeholders before the real networks are built are no alias
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, n_obs, n_act, gamma=0.99):
        self.q, self.target, self.optimizer = None, None, None
        self.gamma = gamma
        self.build(n_obs, n_act)

    def build(self, n_obs, n_act):
        self.q = nn.Linear(n_obs, n_act)
        self.target = copy.deepcopy(self.q)
        self.optimizer = torch.optim.Adam(self.q.parameters(), lr=1e-3)

    def learn(self, s, a, r, s2, terminated):
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(1).values * (1 - terminated)
        q = self.q(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
