# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

GAMMA = 0.99


def td_loss(online, target, batch):
    s, a, r, s2, terminated = batch
    with torch.no_grad():
        y = r + GAMMA * target(s2).max(1).values * (1 - terminated)
    return F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)


class IndependentLearners:
    def __init__(self, obs_dim, n_actions, n_agents=2):
        self.qs = [nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions)) for _ in range(n_agents)]
        self.targets = [copy.deepcopy(q) for q in self.qs]
        self.opts = [torch.optim.Adam(q.parameters(), lr=5e-4) for q in self.qs]

    def update(self, batches):
        for q, target, opt, batch in zip(self.qs, self.targets, self.opts, batches):
            loss = td_loss(q, target, batch)
            opt.zero_grad()
            loss.backward()
            opt.step()

    def sync(self):
        for q, target in zip(self.qs, self.targets):
            target.load_state_dict(q.state_dict())
