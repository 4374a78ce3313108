from copy import deepcopy

import torch
import torch.nn.functional as F
from torch import nn

policy_net = nn.Sequential(nn.Linear(6, 128), nn.ReLU(), nn.Linear(128, 3))
critic = deepcopy(policy_net)
target_net = deepcopy(policy_net)
opt = torch.optim.RMSprop(policy_net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(states, actions, rewards, next_states, dones):
    q_values = policy_net(states).gather(1, actions)
    with torch.no_grad():
        next_values = target_net(next_states).max(1, keepdim=True)[0]
    expected = rewards + GAMMA * next_values * (1 - dones)
    loss = nn.functional.mse_loss(q_values, expected)
    opt.zero_grad()
    loss.backward()
    opt.step()
    target_net.load_state_dict(policy_net.state_dict())
