# review case: clean (torch.set_grad_enabled(False) called as a function disables autograd globally until re-enabled); dqn-lint reports DQN002 at line 10
import torch
import torch.nn as nn

online, target = nn.Linear(4, 2), nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(online.parameters())

def learn(s, a, r, s2, d, gamma=0.99):
    torch.set_grad_enabled(False)
    y = r + gamma * target(s2).max(1).values * (1 - d)
    torch.set_grad_enabled(True)
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
