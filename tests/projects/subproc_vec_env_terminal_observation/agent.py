import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, n_obs, n_act, gamma=0.99):
        self.q = nn.Sequential(nn.Linear(n_obs, 64), nn.ReLU(), nn.Linear(64, n_act))
        self.target = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.memory = []
        self.gamma = gamma

    def store(self, s, a, r, s2, d):
        self.memory.append((s, a, r, s2, d))

    def learn(self, batch_size=64):
        batch = [self.memory[i] for i in np.random.randint(len(self.memory), size=batch_size)]
        s, a, r, s2, d = map(np.array, zip(*batch))
        s = torch.as_tensor(s, dtype=torch.float32)
        s2 = torch.as_tensor(s2, dtype=torch.float32)
        a = torch.as_tensor(a).long()
        r = torch.as_tensor(r, dtype=torch.float32)
        d = torch.as_tensor(d, dtype=torch.float32)
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(1).values * (1 - d)
        q = self.q(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def sync(self):
        self.target.load_state_dict(self.q.state_dict())
