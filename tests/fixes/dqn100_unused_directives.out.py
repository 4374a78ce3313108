import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)  # type: ignore[no-untyped-call]
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99  # noqa: E501


def learn(s, a, r, s2, terminated):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)  # -- mask added since
    q = online(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(
        q,
        y,
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
