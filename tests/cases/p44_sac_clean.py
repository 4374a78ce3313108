# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Critic(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.q1 = nn.Sequential(nn.Linear(obs_dim + act_dim, 256), nn.ReLU(), nn.Linear(256, 1))
        self.q2 = nn.Sequential(nn.Linear(obs_dim + act_dim, 256), nn.ReLU(), nn.Linear(256, 1))

    def forward(self, s, a):
        sa = torch.cat([s, a], dim=-1)
        return self.q1(sa), self.q2(sa)


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU(), nn.Linear(256, 2 * act_dim))

    def forward(self, s):
        mu, log_std = self.net(s).chunk(2, dim=-1)
        std = log_std.clamp(-20, 2).exp()
        u = mu + std * torch.randn_like(mu)
        a = torch.tanh(u)
        logp = (torch.distributions.Normal(mu, std).log_prob(u) - torch.log(1 - a.pow(2) + 1e-6)).sum(-1, keepdim=True)
        return a, logp


actor, critic = Actor(11, 3), Critic(11, 3)
critic_target = copy.deepcopy(critic)
critic_opt = torch.optim.Adam(critic.parameters(), lr=3e-4)
gamma, alpha, tau = 0.99, 0.2, 0.005


def update_critic(s, a, r, s2, d):
    next_a, next_logp = actor(s2)
    tq1, tq2 = critic_target(s2, next_a)
    target_v = torch.min(tq1, tq2) - alpha * next_logp
    target_q = r + gamma * (1 - d) * target_v
    q1, q2 = critic(s, a)
    loss = F.mse_loss(q1, target_q.detach()) + F.mse_loss(q2, target_q.detach())
    critic_opt.zero_grad(); loss.backward(); critic_opt.step()
    with torch.no_grad():
        for p, tp in zip(critic.parameters(), critic_target.parameters()):
            tp.mul_(1 - tau).add_(tau * p)
