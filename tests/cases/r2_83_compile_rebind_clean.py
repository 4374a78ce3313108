# review case: clean (CleanRL-style q_network = torch.compile(q_network); target is a separate module loaded from it)
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 2))

    def forward(self, x):
        return self.network(x)


q_network = QNetwork()
target_network = QNetwork()  # expect: DQN006
target_network.load_state_dict(q_network.state_dict())
q_network = torch.compile(q_network)
optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-4)
gamma = 0.99


def train(s, a, r, s2, dones):
    with torch.no_grad():
        target_max, _ = target_network(s2).max(dim=1)
        td_target = r.flatten() + gamma * target_max * (1 - dones.flatten())
    old_val = q_network(s).gather(1, a[:, None]).squeeze()
    loss = F.mse_loss(td_target, old_val)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


train(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
