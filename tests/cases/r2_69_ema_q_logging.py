# review case: clean (an exponential moving average of max-Q for logging is not a TD target)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_net = copy.deepcopy(q_net)  # expect: DQN006
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-4)
gamma = 0.99
avg_max_q = 0.0


def learn(s, a, r, s2, terminated):
    global avg_max_q
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
    q_all = q_net(s)
    loss = F.smooth_l1_loss(q_all.gather(1, a[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    avg_max_q = 0.99 * avg_max_q + 0.01 * q_all.max(1).values.mean().item()
    return avg_max_q


for _ in range(3):
    print(f"avg max Q {learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8)):.3f}")
