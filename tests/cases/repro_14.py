# review case: DQN001 at line 12 (`tp.data = p.data` makes the target's parameters share storage with the online ones); dqn-lint reports nothing
import copy
import torch
import torch.nn as nn

online = nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)

def sync():
    for tp, p in zip(target.parameters(), online.parameters()):
        tp.data = p.data  # expect: DQN001

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    sync()
