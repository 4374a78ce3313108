# review case: one DQN005 warning; the summary counts it as a warning
import torch
import torch.nn as nn

q = nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * q(s2).max(1).values * (1 - term)  # expect: DQN005
    loss = ((q(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
