# review case: clean (@staticmethod bootstrap helper called with the target network under no_grad)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class QLearner:
    def __init__(self, gamma: float = 0.99) -> None:
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.q_t = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.updates = 0

    @staticmethod
    def bootstrap(net: nn.Module, obs: torch.Tensor) -> torch.Tensor:
        return net(obs).max(dim=1).values

    def learn(self, s, a, r, s2, term) -> None:
        with torch.no_grad():
            y = r + self.gamma * (1 - term) * QLearner.bootstrap(self.q_t, s2)
        loss = F.mse_loss(self.q(s).gather(1, a[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.updates += 1
        if self.updates % 100 == 0:
            self.q_t.load_state_dict(self.q.state_dict())


QLearner().learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
