# review case: DQN004 at line 17, DQN004 at line 18, DQN004 at line 19, DQN004 at line 20, DQN004 at line 21, DQN004 at line 23, DQN004 at line 24
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
cfg = {"gamma": 0.99}
GAMMA = 0.99


@torch.no_grad()
def targets(r, s2, B):
    y1 = r + cfg["gamma"] * torch.max(target(s2), dim=1)[0]  # expect: DQN004
    y2 = r + GAMMA * torch.amax(target(s2), dim=-1)  # expect: DQN004
    y3 = r + GAMMA * target(s2)[torch.arange(B), online(s2).argmax(1)]  # expect: DQN004
    y4 = r + GAMMA * torch.gather(target(s2), 1, online(s2).argmax(1, keepdim=True)).squeeze(1)  # expect: DQN004
    y5 = r + GAMMA * target(s2).max(-1, keepdim=True).values.squeeze(-1)  # expect: DQN004
    q_next = target(s2)
    y6 = r + GAMMA * q_next.max(1)[0]  # expect: DQN004
    y7 = GAMMA * q_next.max(1)[0] + r  # expect: DQN004
    return (y1 + y2 + y3 + y4 + y5 + y6 + y7) / 7


def learn(s, a, r, s2):
    y = targets(r, s2, s.shape[0])
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
