# review case: clean (get_q(s2, use_target=True) under no_grad selects the deep-copied target); dqn-lint reports DQN001 at line 10 and DQN002 (error) at line 11
import copy
import torch
import torch.nn as nn

online = nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())
def get_q(obs, use_target=False):
    net = target if use_target else online
    return net(obs)

def learn(s, a, r, s2, d, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * get_q(s2, use_target=True).max(1).values * (1 - d)
    loss = ((get_q(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
