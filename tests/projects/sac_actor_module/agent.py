import copy

import torch
import torch.nn.functional as F
from networks import Actor, Critic


class SAC:
    def __init__(self, obs_dim, act_dim, gamma=0.99, alpha=0.2):
        self.actor = Actor(obs_dim, act_dim)
        self.critic1, self.critic2 = Critic(obs_dim, act_dim), Critic(obs_dim, act_dim)
        self.critic1_target, self.critic2_target = copy.deepcopy(self.critic1), copy.deepcopy(self.critic2)
        self.critic_opt = torch.optim.Adam(list(self.critic1.parameters()) + list(self.critic2.parameters()), lr=3e-4)
        self.gamma, self.alpha = gamma, alpha

    def learn(self, states, actions, rewards, next_states, dones):
        # the next action is made in networks.py: `tanh` of a sample of the actor's Normal
        with torch.no_grad():
            next_action, next_log_pi = self.actor.evaluate(next_states)
            q1_next = self.critic1_target(next_states, next_action)
            q2_next = self.critic2_target(next_states, next_action)
            q_next = torch.min(q1_next, q2_next) - self.alpha * next_log_pi
            q_targets = rewards + self.gamma * (1 - dones) * q_next
        loss = F.mse_loss(self.critic1(states, actions), q_targets) + F.mse_loss(self.critic2(states, actions), q_targets)
        self.critic_opt.zero_grad()
        loss.backward()
        self.critic_opt.step()
        for target, online in ((self.critic1_target, self.critic1), (self.critic2_target, self.critic2)):
            for tp, p in zip(target.parameters(), online.parameters()):
                tp.data.copy_(0.005 * p.data + 0.995 * tp.data)
