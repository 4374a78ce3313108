import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(8, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
tgt = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99


def learn(obs, act, rew, next_obs, done, torch=None):
    # `torch` here is a parameter, not the module: `with torch.no_grad():` would not be torch's.
    q = online(obs).gather(1, act).squeeze(1)
    y = rew + gamma * tgt(next_obs).max(1)[0] * (1 - done)
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
