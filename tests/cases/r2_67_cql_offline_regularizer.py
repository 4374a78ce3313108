# review case: clean (discrete CQL: loss = td_loss + alpha * (logsumexp(Q) - Q(s,a)).mean(); the regularizer is not a TD target)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q = nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 2))
q_target = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=3e-4)
gamma, alpha = 0.99, 1.0


def learn(s, a, r, s2, terminals):
    with torch.no_grad():
        y = r + gamma * (1 - terminals) * q_target(s2).max(1).values
    q_all = q(s)
    q_sa = q_all.gather(1, a[:, None]).squeeze(1)
    td_loss = F.mse_loss(q_sa, y)
    cql_loss = (torch.logsumexp(q_all, dim=1) - q_sa).mean()
    loss = td_loss + alpha * cql_loss
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
