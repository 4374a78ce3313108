# review case: DQN004 at line 26 (dataclass config, discount read as self.cfg.discount, no terminal mask)
import copy
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class Config:
    discount: float = 0.99
    lr: float = 1e-3
    hidden: list[int] = field(default_factory=lambda: [64, 64])


class Agent:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.q = nn.Sequential(nn.Linear(4, cfg.hidden[0]), nn.ReLU(), nn.Linear(cfg.hidden[1], 2))
        self.q_targ = copy.deepcopy(self.q)  # expect: DQN006
        self.opt = torch.optim.Adam(self.q.parameters(), lr=cfg.lr)

    def update(self, s, a, r, s2, term) -> dict[str, float]:
        with torch.no_grad():
            y = r + self.cfg.discount * self.q_targ(s2).max(dim=1).values  # expect: DQN004
        q = self.q(s).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"loss": loss.item(), "q": q.mean().item()}


agent = Agent(Config())
print(f"{agent.update(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))=}")
