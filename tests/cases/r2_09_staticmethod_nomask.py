# review case: DQN004 at line 18 (@staticmethod TD target helper without the mask, called via self.)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Learner:
    def __init__(self, net: nn.Module, gamma: float = 0.99):
        self.net = net
        self.target_net = copy.deepcopy(net)  # expect: DQN006
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    @staticmethod
    def td_target(rewards, next_q, gamma):
        return rewards + gamma * next_q  # expect: DQN004

    def learn(self, s, a, r, s2, d):
        with torch.no_grad():
            next_q = self.target_net(s2).max(1)[0]
            y = self.td_target(r, next_q, self.gamma)
        q = self.net(s).gather(1, a.view(-1, 1)).view(-1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


learner = Learner(nn.Linear(4, 2))
learner.learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
