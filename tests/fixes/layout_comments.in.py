import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    q = online(s).gather(1, a).squeeze(1)
    # Bootstrap from the target network.
    next_q = target(s2).max(1)[0]  # greedy value of s'
    # Zero the bootstrap at terminal states.

    y = (
        r  # reward
        + gamma * next_q * (1 - terminated)  # discounted tail
    )
    # Regress the prediction onto the target.
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
