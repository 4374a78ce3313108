import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, terminated):
    q = online(states).gather(1, actions).squeeze(1)
    next_q = target(next_states).max(1)[0]
    y = rewards + gamma * next_q * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
