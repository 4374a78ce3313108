# review case: DQN004 at line 35 (IQN, quantile target without the terminal mask)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class IQN(nn.Module):
    def __init__(self, obs_dim=4, n_actions=2, n_cos=64, hidden=128):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU())
        self.cos_embed = nn.Linear(n_cos, hidden)
        self.head = nn.Linear(hidden, n_actions)
        self.register_buffer("i_pi", torch.arange(1, n_cos + 1).float() * torch.pi)

    def forward(self, obs, taus):  # taus: [B, N] -> [B, N, A]
        phi = F.relu(self.cos_embed(torch.cos(taus[..., None] * self.i_pi)))
        return self.head(self.body(obs)[:, None, :] * phi)


online, gamma, kappa = IQN(), 0.99, 1.0
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=5e-5, eps=0.01 / 32)


def learn(s, a, r, s2, term, n=32):
    B = s.shape[0]
    taus = torch.rand(B, n)
    z = online(s, taus).gather(2, a[:, None, None].expand(B, n, 1)).squeeze(2)
    with torch.no_grad():
        z_next = target(s2, torch.rand(B, n))
        a_next = z_next.mean(dim=1).argmax(dim=1)
        z_next_a = z_next[torch.arange(B), :, a_next]
        z_target = r[:, None] + gamma * z_next_a  # expect: DQN004
    u = z_target[:, None, :] - z[:, :, None]
    huber = F.huber_loss(z[:, :, None].expand_as(u), z_target[:, None, :].expand_as(u), reduction="none", delta=kappa)
    loss = ((taus[..., None] - (u.detach() < 0).float()).abs() * huber / kappa).sum(1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
