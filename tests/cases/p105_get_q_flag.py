# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.online = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions))
        self.target = copy.deepcopy(self.online)
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=1e-3)
        self.gamma = gamma

    def get_q(self, obs, use_target=False):
        net = self.target if use_target else self.online
        return net(obs)

    def learn(self, s, a, r, s2, terminated):
        with torch.no_grad():
            next_q = self.get_q(s2, use_target=True).max(1).values
            y = r + self.gamma * next_q * (1 - terminated)
        q = self.get_q(s).gather(1, a[:, None]).squeeze(1)
        loss = F.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def sync(self):
        self.target.load_state_dict(self.online.state_dict())
