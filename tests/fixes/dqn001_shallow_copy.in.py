import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target_net = copy.copy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=5e-4)
gamma = 0.99


def learn(s, a, r, s2, terminated, step):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 500 == 0:
        target_net.load_state_dict(q_net.state_dict())
