# review case: clean (@staticmethod TD target helper, masked, called under no_grad)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Learner:
    def __init__(self, net: nn.Module, gamma: float = 0.99):
        self.net = net
        self.target_net = copy.deepcopy(net)
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.updates = 0

    @staticmethod
    def td_target(rewards, next_q, dones, gamma):
        return rewards + gamma * next_q * (1.0 - dones)

    def learn(self, s, a, r, s2, d):
        with torch.no_grad():
            next_q = self.target_net(s2).max(1)[0]
            y = Learner.td_target(r, next_q, d, self.gamma)
        q = self.net(s).gather(1, a.view(-1, 1)).view(-1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.updates += 1
        if self.updates % 100 == 0:
            self.target_net.load_state_dict(self.net.state_dict())


learner = Learner(nn.Linear(4, 2))
learner.learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
