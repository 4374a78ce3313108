# review case: DQN005 at line 13 with a message acknowledging the existing target network; dqn-lint says "there is no separate target network ... Create a target network with copy.deepcopy(online)"
import copy
import torch
import torch.nn as nn

online = nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)

def learn(s, a, r, s2, term, gamma=0.99):
    with torch.no_grad():
        a2 = target(s2).argmax(1, keepdim=True)
        y = r + gamma * online(s2).gather(1, a2).squeeze(1) * (1 - term)  # expect: DQN005
    loss = ((online(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    target.load_state_dict(online.state_dict())
