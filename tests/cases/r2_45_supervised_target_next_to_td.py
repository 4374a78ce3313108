# review case: clean (an auxiliary supervised head (target = labels, model called target_model) next to a correct TD target)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

encoder = nn.Sequential(nn.Linear(4, 64), nn.ReLU())
q_head = nn.Linear(64, 2)
target_model = nn.Linear(64, 4)  # predicts the next observation (auxiliary task)
q_target = copy.deepcopy(nn.Sequential(encoder, q_head))  # expect: DQN006
params = list(encoder.parameters()) + list(q_head.parameters()) + list(target_model.parameters())
optimizer = torch.optim.Adam(params, lr=1e-3)
gamma, aux_weight = 0.99, 0.1


def learn(s, a, r, s2, terminated):
    h = encoder(s)
    q = q_head(h).gather(1, a[:, None]).squeeze(1)
    with torch.no_grad():
        td_target = r + gamma * (1 - terminated) * q_target(s2).max(1).values
    target = s2  # supervised label for the auxiliary head
    aux = F.mse_loss(target_model(h), target)
    loss = F.smooth_l1_loss(q, td_target) + aux_weight * aux
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
