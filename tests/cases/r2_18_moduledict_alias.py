# review case: DQN001 at line 7 (both ModuleDict entries are the same module object)
import torch
import torch.nn as nn
import torch.nn.functional as F

base = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
nets = nn.ModuleDict({"online": base, "target": base})  # expect: DQN001
optimizer = torch.optim.Adam(nets["online"].parameters(), lr=1e-3)
gamma = 0.99


def update(s, a, r, s2, terminated):
    with torch.no_grad():
        next_q = nets["target"](s2).max(dim=1).values
        y = r + gamma * next_q * (1 - terminated)
    q = nets["online"](s).gather(1, a[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for step in range(100):
    update(torch.randn(32, 4), torch.randint(0, 2, (32,)), torch.randn(32), torch.randn(32, 4), torch.zeros(32))
    if step % 10 == 0:
        nets["target"].load_state_dict(nets["online"].state_dict())
