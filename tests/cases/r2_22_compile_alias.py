# review case: DQN001 at line 12 (the "target" is torch.compile(q): an OptimizedModule wrapping the same q and its parameters)
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_q(obs_dim: int = 4, n_actions: int = 2) -> nn.Module:
    return nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU(), nn.Linear(256, n_actions))


q = make_q()
target = torch.compile(q)  # expect: DQN001
optimizer = torch.optim.Adam(q.parameters(), lr=1e-3)
GAMMA = 0.99


def train_step(s, a, r, s2, term):
    with torch.no_grad():
        y = r + GAMMA * target(s2).max(1).values * (1.0 - term)
    q_sa = q(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = F.mse_loss(q_sa, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


for t in range(1000):
    train_step(torch.randn(64, 4), torch.randint(0, 2, (64,)), torch.randn(64), torch.randn(64, 4), torch.zeros(64))
