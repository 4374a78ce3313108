import copy

import torch
import torch.nn.functional as F


def train(replay, q_net, iterations, gamma=0.99):
    q_target = copy.deepcopy(q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=3e-4)
    for it in range(iterations):
        s, a, r, s2, done = replay.sample(256)
        with torch.no_grad():
            y = r + gamma * q_target(s2).max(1)[0] * (1 - done)
        loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if it % 1000 == 0:
            q_target.load_state_dict(q_net.state_dict())
