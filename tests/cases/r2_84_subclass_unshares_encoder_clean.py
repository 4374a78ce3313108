# review case: clean (subclass gives the target its own deep-copied encoder; nothing is shared)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 64), nn.ReLU())
        self.head = nn.Linear(64, 2)

    def forward(self, x):
        return self.head(self.encoder(x))


class DQN:
    def __init__(self, gamma=0.99):
        self.gamma = gamma
        self.online = Net()
        self.target = Net()
        self.target.load_state_dict(self.online.state_dict())
        self.opt = torch.optim.Adam(self.online.parameters(), lr=1e-3)

    def update(self, s, a, r, s2, term):
        with torch.no_grad():
            y = r + self.gamma * (1 - term) * self.target(s2).max(1).values
        loss = F.mse_loss(self.online(s).gather(1, a[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


class PretrainedEncoderDQN(DQN):
    def __init__(self, encoder: nn.Module, gamma=0.99):
        super().__init__(gamma)
        self.online.encoder = encoder
        self.target.encoder = copy.deepcopy(encoder)
        self.opt = torch.optim.Adam(self.online.parameters(), lr=1e-4)


agent = PretrainedEncoderDQN(nn.Sequential(nn.Linear(4, 64), nn.ReLU()))
agent.update(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
