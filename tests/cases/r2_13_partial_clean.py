# review case: clean (functools.partial binds gamma into a masked TD-target helper)
import copy
import functools

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)


def td_target(net, rewards, next_obs, terminated, gamma):
    with torch.no_grad():
        return rewards + gamma * (1.0 - terminated) * net(next_obs).max(1).values


compute_target = functools.partial(td_target, target_net, gamma=0.99)


def train_step(s, a, r, s2, term):
    y = compute_target(r, s2, term)
    q = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


train_step(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
