# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

actor = nn.Sequential(nn.Linear(17, 256), nn.ReLU(), nn.Linear(256, 6), nn.Tanh())
critic1 = nn.Sequential(nn.Linear(23, 256), nn.ReLU(), nn.Linear(256, 1))
critic2 = nn.Sequential(nn.Linear(23, 256), nn.ReLU(), nn.Linear(256, 1))
actor_target, critic1_target, critic2_target = copy.deepcopy(actor), copy.deepcopy(critic1), copy.deepcopy(critic2)
critic_optimizer = torch.optim.Adam(list(critic1.parameters()) + list(critic2.parameters()), lr=3e-4)
actor_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-4)
discount, tau, policy_noise, noise_clip = 0.99, 0.005, 0.2, 0.5


def train(state, action, next_state, reward, not_done, it):
    noise = (torch.randn_like(action) * policy_noise).clamp(-noise_clip, noise_clip)
    next_action = (actor_target(next_state) + noise).clamp(-1, 1)
    next_sa = torch.cat([next_state, next_action], 1)
    target_Q = torch.min(critic1_target(next_sa), critic2_target(next_sa))
    target_Q = reward + not_done * discount * target_Q
    sa = torch.cat([state, action], 1)
    critic_loss = F.mse_loss(critic1(sa), target_Q.detach()) + F.mse_loss(critic2(sa), target_Q.detach())
    critic_optimizer.zero_grad(); critic_loss.backward(); critic_optimizer.step()
    if it % 2 == 0:
        actor_loss = -critic1(torch.cat([state, actor(state)], 1)).mean()
        actor_optimizer.zero_grad(); actor_loss.backward(); actor_optimizer.step()
        for net, tnet in ((actor, actor_target), (critic1, critic1_target), (critic2, critic2_target)):
            for p, tp in zip(net.parameters(), tnet.parameters()):
                tp.data.copy_(tau * p.data + (1 - tau) * tp.data)
