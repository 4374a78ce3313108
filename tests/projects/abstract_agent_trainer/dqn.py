import copy
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from base import Agent


class DQN(Agent):
    def __init__(self, gamma=0.99):
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.target = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.memory = []
        self.gamma = gamma
        self.updates = 0

    def _update_train(self, transition):
        self.memory.append(transition)
        if len(self.memory) >= 64:
            self.learn()

    def learn(self):
        s, a, r, s2, d = map(torch.as_tensor, zip(*random.sample(self.memory, 64)))
        with torch.no_grad():
            y = r.float() + self.gamma * self.target(s2.float()).max(1).values * (1 - d.float())
        q = self.q(s.float()).gather(1, a.long().unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.updates += 1
        if self.updates % 100 == 0:
            self.target.load_state_dict(self.q.state_dict())
