# review case: clean (the only shared module is a parameterless LeakyReLU); dqn-lint reports DQN001 at line 14 "shares a submodule, and so its parameters"
import torch
import torch.nn as nn

class QNet(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(4, 64), nn.Linear(64, 2), act
    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))

act = nn.LeakyReLU(0.01)
online = QNet(act)
target = QNet(act)  # expect: DQN006
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
