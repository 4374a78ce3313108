# review case: DQN001 at the submodule assignment `target.features = online.features`, not at the deepcopy
import copy
import torch
import torch.nn as nn

class QNet(nn.Module):
    def __init__(self):
        super().__init__(); self.features = nn.Linear(4, 64); self.head = nn.Linear(64, 2)
    def forward(self, x): return self.head(torch.relu(self.features(x)))
online = QNet()
target = copy.deepcopy(online)
target.features = online.features  # expect: DQN001
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
def learn(s, a, r, s2, d, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - d)
    loss = (online(s).gather(1, a).squeeze(1) - y).pow(2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
