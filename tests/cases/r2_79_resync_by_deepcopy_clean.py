# review case: clean (target re-created by deepcopy at every sync; vector_to_parameters used for an alternative sync)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters


class Agent:
    def __init__(self, gamma=0.99, sync_every=100):
        self.gamma, self.sync_every, self.steps = gamma, sync_every, 0
        self.online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.target = None
        self.sync()
        self.opt = torch.optim.Adam(self.online.parameters(), lr=1e-3)

    def sync(self, hard_copy: bool = True):
        if hard_copy or self.target is None:
            self.target = copy.deepcopy(self.online)
        else:
            vector_to_parameters(parameters_to_vector(self.online.parameters()).detach(), self.target.parameters())

    def learn(self, s, a, r, s2, term):
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(1).values * (1 - term)
        loss = F.mse_loss(self.online(s).gather(1, a[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps % self.sync_every == 0:
            self.sync(hard_copy=self.steps % 1000 == 0)


Agent().learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
