# review case: DQN002 at line 16, DQN005 at line 16 (torch.inference_mode(False) re-enables autograd; the online bootstrap then back-propagates)
import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, gamma: float = 0.99):
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.use_inference_mode = False

    def learn(self, s, a, r, s2, term):
        with torch.inference_mode(self.use_inference_mode):
            next_v = self.q(s2).max(1).values  # expect: DQN002, DQN005
        y = r + self.gamma * next_v * (1 - term)
        loss = F.mse_loss(self.q(s).gather(1, a[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


Agent().learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
