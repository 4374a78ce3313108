# review case: DQN001 at `target = online.to(device)` (Module.to returns self)
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
online = nn.Linear(4, 2).to(device)
target = online.to(device)  # expect: DQN001
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
