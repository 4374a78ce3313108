import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99
history = {}


def record(value, description):
    history[description] = float(value.mean())
    return value


def learn(s, a, r, s2, terminated):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        next_q = target(s2).max(1)[0]
        next_q = record(next_q, """greedy bootstrap:
  max over actions
    of the target network""")
        y = r + gamma * next_q * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
