# review case: DQN001 at line 11 (target.body.weight = online.body.weight shares a trained Parameter); dqn-lint reports nothing
import torch
import torch.nn as nn

class QNet(nn.Module):
    def __init__(self):
        super().__init__(); self.body = nn.Linear(4, 64); self.head = nn.Linear(64, 2)
    def forward(self, x): return self.head(torch.relu(self.body(x)))
online = QNet()
target = QNet()
target.body.weight = online.body.weight  # expect: DQN001
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
