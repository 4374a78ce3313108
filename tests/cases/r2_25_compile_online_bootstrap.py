# review case: DQN005 at line 22 (bootstraps with q_fast = torch.compile(q), the trained network, though a target exists)
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_q(obs_dim: int = 4, n_actions: int = 2) -> nn.Module:
    return nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU(), nn.Linear(256, n_actions))


q = make_q()
target = make_q()
target.load_state_dict(q.state_dict())
q_fast = torch.compile(q)
target_fast = torch.compile(target)
optimizer = torch.optim.Adam(q.parameters(), lr=1e-3)
GAMMA = 0.99


def train_step(s, a, r, s2, term):
    with torch.no_grad():
        y = r + GAMMA * q_fast(s2).max(1).values * (1.0 - term)  # expect: DQN005
    q_sa = q_fast(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = F.mse_loss(q_sa, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


for t in range(1000):
    train_step(torch.randn(64, 4), torch.randint(0, 2, (64,)), torch.randn(64), torch.randn(64, 4), torch.zeros(64))
    if t % 250 == 0:
        target.load_state_dict(q.state_dict())
