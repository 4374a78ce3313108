# review case: clean (optimizer trains only online.head; the shared encoder is in no optimizer, so the target's parameters never move); dqn-lint reports DQN001 at line 14 naming 'the trained network online.head'
import torch
import torch.nn as nn

class QHead(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder, self.head = encoder, nn.Linear(32, 2)
    def forward(self, x):
        return self.head(self.encoder(x))

encoder = nn.Linear(4, 32)
online = QHead(encoder)
target = QHead(encoder)  # expect: DQN006
optimizer = torch.optim.Adam(online.head.parameters(), lr=1e-3)

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
