# review case: DQN002 and DQN005 at line 17
import copy

import torch
import torch.nn as nn

actor = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())
critic = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1))
actor_target, critic_target = copy.deepcopy(actor), copy.deepcopy(critic)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-4)
GAMMA = 0.99


def ddpg_update(s, a, r, s2):
    # The targets are made but never used: the critic bootstraps from itself, with autograd on.
    y = r + GAMMA * critic(torch.cat([s2, actor(s2)], 1))  # expect: DQN002, DQN005
    q = critic(torch.cat([s, a], 1))
    critic_loss = ((q - y) ** 2).mean()
    critic_opt.zero_grad(); critic_loss.backward(); critic_opt.step()
    actor_loss = -critic(torch.cat([s, actor(s)], 1)).mean()
    actor_opt.zero_grad(); actor_loss.backward(); actor_opt.step()
