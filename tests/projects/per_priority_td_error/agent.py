import copy

import numpy as np
import torch

from model import QNet


class Agent:
    def __init__(self, n_obs, n_act, gamma=0.99):
        self.q = QNet(n_obs, n_act)
        self.target = copy.deepcopy(self.q)
        for p in self.target.parameters():
            p.requires_grad = False
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.gamma = gamma
        self.n_act = n_act

    def act(self, obs, epsilon):
        """The action, and its online Q value: the acting loop uses it for the new transition's priority."""
        with torch.no_grad():
            q = self.q(torch.as_tensor(obs).unsqueeze(0))
            a = np.random.randint(self.n_act) if np.random.rand() < epsilon else q.argmax().item()
            return a, q[0, a]

    def learn(self, buffer, batch_size=64):
        s, a, r, s2, dw, ind, weights = buffer.sample(batch_size)
        with torch.no_grad():
            y = r + (~dw) * self.gamma * self.target(s2).max(1)[0].unsqueeze(1)
        q = self.q(s).gather(1, a)
        loss = (weights * (y - q) ** 2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            buffer.priorities[ind] = ((y - q).abs().squeeze(-1) + 0.01) ** buffer.alpha
        for p, tp in zip(self.q.parameters(), self.target.parameters()):
            tp.data.copy_(0.005 * p.data + 0.995 * tp.data)
