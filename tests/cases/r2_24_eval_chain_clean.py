# review case: clean (copy.deepcopy(policy).eval().requires_grad_(False): separate, frozen; no no_grad needed)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

policy_net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target_net = copy.deepcopy(policy_net).eval().requires_grad_(False)
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4, amsgrad=True)
gamma = 0.99


def optimize(states, actions, rewards, next_states, terminated):
    next_values = target_net(next_states).max(1).values
    expected = rewards + gamma * next_values * (1 - terminated)
    q = policy_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for i in range(10):
    optimize(torch.randn(8, 8), torch.randint(0, 4, (8,)), torch.randn(8), torch.randn(8, 8), torch.zeros(8))
    target_net.load_state_dict(policy_net.state_dict())
