# review case: DQN002 at line 30
import copy

import torch
import torch.nn as nn


class Critic(nn.Module):
    """pytorch-ddpg style: the state and the action come in one list."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 64)
        self.fc2 = nn.Linear(64 + 1, 1)

    def forward(self, xs):
        x, a = xs
        return self.fc2(torch.cat([torch.relu(self.fc1(x)), a], 1))


actor = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())
critic = Critic()
actor_target, critic_target = copy.deepcopy(actor), copy.deepcopy(critic)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
GAMMA, TAU = 0.99, 0.005


def update(s, a, r, s2, not_done):
    # the target networks run with autograd on, and nothing detaches their output
    next_q = critic_target([s2, actor_target(s2)])  # expect: DQN002
    y = r + GAMMA * not_done * next_q
    loss = nn.functional.mse_loss(critic([s, a]), y)
    critic_opt.zero_grad()
    loss.backward()
    critic_opt.step()
    for net, target in ((critic, critic_target), (actor, actor_target)):
        for p, tp in zip(net.parameters(), target.parameters()):
            tp.data.copy_(TAU * p.data + (1 - TAU) * tp.data)
