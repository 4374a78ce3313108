# review case: clean
import torch
import torch.nn as nn
import torch.nn.functional as F

actor = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 2))
critic = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=7e-4)
gamma, lam = 0.99, 0.95


def a2c_update(obs, actions, rewards, next_obs, dones):
    values = critic(obs).squeeze(-1)
    next_values = critic(next_obs).squeeze(-1)
    td_target = rewards + gamma * next_values * (1 - dones)
    advantage = td_target.detach() - values
    logp = F.log_softmax(actor(obs), dim=-1).gather(1, actions[:, None]).squeeze(1)
    loss = -(logp * advantage.detach()).mean() + 0.5 * advantage.pow(2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()


def gae(rewards, values, dones, last_value):
    advantages = torch.zeros_like(rewards)
    lastgaelam = 0
    for t in reversed(range(len(rewards))):
        nextvalues = last_value if t == len(rewards) - 1 else values[t + 1]
        nextnonterminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * lam * nextnonterminal * lastgaelam
    return advantages + values
