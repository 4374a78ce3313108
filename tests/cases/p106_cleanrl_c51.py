# review case: clean
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions, n_atoms=101, v_min=-100, v_max=100):
        super().__init__()
        self.n_atoms, self.n = n_atoms, n_actions
        self.register_buffer("atoms", torch.linspace(v_min, v_max, steps=n_atoms))
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                     nn.Linear(84, n_actions * n_atoms))

    def get_action(self, x, action=None):
        logits = self.network(x)
        pmfs = torch.softmax(logits.view(len(x), self.n, self.n_atoms), dim=2)
        q_values = (pmfs * self.atoms).sum(2)
        if action is None:
            action = torch.argmax(q_values, 1)
        return action, pmfs[torch.arange(len(x)), action]


gamma, v_min, v_max = 0.99, -100, 100
q_network = QNetwork(4, 2)
optimizer = optim.Adam(q_network.parameters(), lr=2.5e-4, eps=0.01 / 32)
target_network = QNetwork(4, 2)
target_network.load_state_dict(q_network.state_dict())


def train(data):
    with torch.no_grad():
        _, next_pmfs = target_network.get_action(data.next_observations)
        next_atoms = data.rewards + gamma * target_network.atoms * (1 - data.dones)
        delta_z = target_network.atoms[1] - target_network.atoms[0]
        tz = next_atoms.clamp(v_min, v_max)
        b = (tz - v_min) / delta_z
        l, u = b.floor().clamp(0, target_network.n_atoms - 1), b.ceil().clamp(0, target_network.n_atoms - 1)
        d_m_l = (u + (l == u).float() - b) * next_pmfs
        d_m_u = (b - l) * next_pmfs
        target_pmfs = torch.zeros_like(next_pmfs)
        for i in range(target_pmfs.size(0)):
            target_pmfs[i].index_add_(0, l[i].long(), d_m_l[i])
            target_pmfs[i].index_add_(0, u[i].long(), d_m_u[i])
    _, old_pmfs = q_network.get_action(data.observations, data.actions.flatten())
    loss = (-(target_pmfs * old_pmfs.clamp(min=1e-5, max=1 - 1e-5).log()).sum(-1)).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
