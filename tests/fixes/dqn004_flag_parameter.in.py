import copy

import torch
import torch.nn as nn

policy_net = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4))
target_net = copy.deepcopy(policy_net)
optimizer = torch.optim.RMSprop(policy_net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(states, actions, rewards, next_states, terminated):
    q_values = policy_net(states).gather(1, actions).squeeze(1)
    with torch.no_grad():
        next_values = target_net(next_states).max(1)[0]
        expected = rewards + GAMMA * next_values
    loss = nn.functional.smooth_l1_loss(q_values, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
