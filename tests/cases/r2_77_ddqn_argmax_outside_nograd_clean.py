# review case: clean (Double DQN; the online argmax runs outside no_grad (argmax carries no gradient), target evaluates inside)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, term):
    q_all = online(torch.cat([s, s2]))
    q_s, q_s2 = q_all.chunk(2)
    a_star = q_s2.argmax(dim=1, keepdim=True)
    with torch.no_grad():
        y = r + gamma * target(s2).gather(1, a_star).squeeze(1) * (1 - term)
    loss = F.mse_loss(q_s.gather(1, a[:, None]).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
