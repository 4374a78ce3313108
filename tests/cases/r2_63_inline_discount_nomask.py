# review case: DQN004 at line 17 (discount written inline as 0.99, no terminal mask, Double DQN)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = copy.deepcopy(online)  # expect: DQN006
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def train(batch):
    s, a, r, s2, done = batch
    with torch.no_grad():
        best = online(s2).argmax(1, keepdim=True)
        y = r.unsqueeze(1) + 0.99 * target(s2).gather(1, best)  # expect: DQN004
    loss = F.mse_loss(online(s).gather(1, a.unsqueeze(1)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"loss={loss.item():.3f} q={y.mean():.2f}")


train((torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8)))
