# review case: clean (one forward helper used for both networks; the target call is under no_grad); dqn-lint reports DQN002 (error) at line 9 and DQN001 at line 15
import copy
import torch
import torch.nn as nn

net = nn.Linear(4, 2)
target_net = copy.deepcopy(net)  # expect: DQN006
optimizer = torch.optim.Adam(net.parameters())
def q_values(model, x): return model(x)

def learn(s, a, r, s2, d, gamma=0.99):
    with torch.no_grad():
        next_q = q_values(target_net, s2).max(1).values
        y = r + gamma * (1 - d) * next_q
    q = q_values(net, s).gather(1, a[:, None]).squeeze(1)
    loss = ((q - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
