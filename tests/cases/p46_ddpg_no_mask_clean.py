# review case: clean
import copy

import torch
import torch.nn as nn

actor = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())
critic = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1))
actor_target, critic_target = copy.deepcopy(actor), copy.deepcopy(critic)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-4)
GAMMA = 0.99
TAU = 0.005


def ddpg_update(s, a, r, s2):
    # Pendulum never terminates, so no mask is needed: an actor-critic target without one is left alone.
    with torch.no_grad():
        y = r + GAMMA * critic_target(torch.cat([s2, actor_target(s2)], 1))
    q = critic(torch.cat([s, a], 1))
    critic_loss = ((q - y) ** 2).mean()
    critic_opt.zero_grad(); critic_loss.backward(); critic_opt.step()
    actor_loss = -critic(torch.cat([s, actor(s)], 1)).mean()
    actor_opt.zero_grad(); actor_loss.backward(); actor_opt.step()
    for net, target in ((actor, actor_target), (critic, critic_target)):
        for p, tp in zip(net.parameters(), target.parameters()):
            tp.data.mul_(1 - TAU).add_(TAU * p.data)
