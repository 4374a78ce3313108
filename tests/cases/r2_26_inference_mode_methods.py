# review case: clean (eval() + @torch.inference_mode() on the bootstrap method; bare @torch.no_grad on act)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, gamma: float = 0.99) -> None:
        self.gamma = gamma
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.q_target = copy.deepcopy(self.q)  # expect: DQN006
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)

    @torch.no_grad
    def act(self, obs: torch.Tensor) -> int:
        return int(self.q(obs).argmax())

    @torch.inference_mode()
    def bootstrap(self, next_obs: torch.Tensor) -> torch.Tensor:
        self.q_target.eval()
        return self.q_target(next_obs).max(dim=1).values

    def learn(self, s, a, r, s2, term) -> float:
        next_v = self.bootstrap(s2).clone()
        y = r + self.gamma * next_v * (1.0 - term)
        q = self.q(s).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


agent = Agent()
agent.learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
