# review case: clean (DQfD large-margin supervised loss added with weight lambda_e; correct DQN target otherwise)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_net = copy.deepcopy(q_net)  # expect: DQN006
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-4, weight_decay=1e-5)
gamma, lambda_e, margin = 0.99, 1.0, 0.8


def learn(s, a, r, s2, terminated, is_demo):
    q_all = q_net(s)
    q_sa = q_all.gather(1, a[:, None]).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
    margins = torch.full_like(q_all, margin).scatter(1, a[:, None], 0.0)
    supervised = ((q_all + margins).max(1).values - q_sa) * is_demo
    loss = F.smooth_l1_loss(q_sa, y) + lambda_e * supervised.mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8), torch.ones(8))
