# review case: DQN001 at line 9 (list repetition [net] * 2 yields the same object twice); dqn-lint reports nothing
import copy
import torch
import torch.nn as nn

def make_net():
    return nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))

online, target = [make_net()] * 2  # expect: DQN001
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
