# review case: DQN002 at line 25
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 64), nn.Linear(64, 4)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


policy_net, target_net = QNetwork(), QNetwork()  # expect: DQN006
target_net.load_state_dict(policy_net.state_dict())
target_net.eval()
optimizer = torch.optim.RMSprop(policy_net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(s, a, r, s2, d):
    q = policy_net(s).gather(1, a[:, None]).squeeze(1)
    next_q = target_net(s2).max(1)[0]  # expect: DQN002
    expected = r + GAMMA * next_q * (1 - d)
    loss = F.smooth_l1_loss(q, expected)
    optimizer.zero_grad()
    loss.backward()
    for param in policy_net.parameters():
        param.grad.data.clamp_(-1, 1)
    optimizer.step()
