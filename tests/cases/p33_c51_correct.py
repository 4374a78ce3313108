# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

N_ATOMS, V_MIN, V_MAX, GAMMA = 51, -10.0, 10.0, 0.99


class C51Net(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.n_actions = n_actions
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions * N_ATOMS))
        self.register_buffer("atoms", torch.linspace(V_MIN, V_MAX, N_ATOMS))

    def forward(self, x):
        return F.softmax(self.net(x).view(-1, self.n_actions, N_ATOMS), dim=2)


online = C51Net(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=2.5e-4)


def learn(obs, actions, rewards, next_obs, dones):
    with torch.no_grad():
        next_pmfs = target(next_obs)
        next_q = (next_pmfs * target.atoms).sum(2)
        next_actions = next_q.argmax(1)
        next_pmf = next_pmfs[torch.arange(len(next_obs)), next_actions]
        next_atoms = rewards.unsqueeze(1) + GAMMA * target.atoms * (1 - dones.unsqueeze(1))
        tz = next_atoms.clamp(V_MIN, V_MAX)
        delta_z = target.atoms[1] - target.atoms[0]
        b = (tz - V_MIN) / delta_z
        l, u = b.floor().clamp(0, N_ATOMS - 1), b.ceil().clamp(0, N_ATOMS - 1)
        d_m_l = (u + (l == u).float() - b) * next_pmf
        d_m_u = (b - l) * next_pmf
        target_pmfs = torch.zeros_like(next_pmf)
        for i in range(target_pmfs.size(0)):
            target_pmfs[i].index_add_(0, l[i].long(), d_m_l[i])
            target_pmfs[i].index_add_(0, u[i].long(), d_m_u[i])
    old_pmfs = online(obs)[torch.arange(len(obs)), actions.long()]
    loss = (-(target_pmfs * old_pmfs.clamp(min=1e-5, max=1 - 1e-5).log()).sum(-1)).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
