# review case: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNet(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(4, 64), nn.Linear(64, 2), act

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


activation = nn.LeakyReLU(0.01)
online = QNet(activation)
target = QNet(activation)  # expect: DQN006
target.load_state_dict(online.state_dict())
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, term):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
