# review case: DQN005 at line 16 (the network called target_net is the one the optimizer trains and it also bootstraps)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

target_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_net = copy.deepcopy(target_net)
optimizer = torch.optim.Adam(target_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)  # expect: DQN005
    q = target_net(s).gather(1, a[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    q_net.load_state_dict(target_net.state_dict())


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
