# review case: clean (Keras-style loop sets y[i] = r[i] for terminal samples); dqn-lint reports DQN004 at line 10
import torch
import torch.nn as nn

q, q_target = nn.Linear(4, 2), nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())

def learn(s, a, r, s2, dones, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * q_target(s2).max(1)[0]
        for i in range(len(y)):
            if dones[i]:
                y[i] = r[i]
    loss = ((q(s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
