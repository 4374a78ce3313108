import copy

import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), r + gamma * target_net(s2).detach().max(1)[0] * (1 - d))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
