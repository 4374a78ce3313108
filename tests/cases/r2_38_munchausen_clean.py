# review case: clean (Munchausen DQN: scaled log-policy added to the reward, soft bootstrap, masked)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma, tau, alpha, l0 = 0.99, 0.03, 0.9, -1.0


def learn(s, a, r, s2, terminated):
    with torch.no_grad():
        q_next = target_net(s2)
        logpi_next = F.log_softmax(q_next / tau, dim=1)
        soft_v = (logpi_next.exp() * (q_next - tau * logpi_next)).sum(dim=1)
        logpi_a = F.log_softmax(target_net(s) / tau, dim=1).gather(1, a[:, None]).squeeze(1)
        munchausen_r = r + alpha * torch.clamp(tau * logpi_a, min=l0, max=0.0)
        y = munchausen_r + gamma * soft_v * (1.0 - terminated)
    q = q_net(s).gather(1, a[:, None]).squeeze(1)
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
