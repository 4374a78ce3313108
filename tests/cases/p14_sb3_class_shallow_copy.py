# review case: DQN001 at line 23
import copy

import numpy as np
import torch as th
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.q_net = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions))

    def forward(self, obs):
        return self.q_net(obs)


class DQN:
    def __init__(self, obs_dim, n_actions, gamma=0.99, tau=1.0, max_grad_norm=10):
        self.gamma, self.tau, self.max_grad_norm = gamma, tau, max_grad_norm
        self.q_net = QNetwork(obs_dim, n_actions)
        self.q_net_target = copy.copy(self.q_net)  # expect: DQN001
        self.q_net_target.set_training_mode = False
        self.optimizer = th.optim.Adam(self.q_net.parameters(), lr=1e-4)

    def train(self, replay_data):
        with th.no_grad():
            next_q_values = self.q_net_target(replay_data.next_observations)
            next_q_values, _ = next_q_values.max(dim=1)
            next_q_values = next_q_values.reshape(-1, 1)
            target_q_values = replay_data.rewards + (1 - replay_data.dones) * self.gamma * next_q_values
        current_q_values = self.q_net(replay_data.observations)
        current_q_values = th.gather(current_q_values, dim=1, index=replay_data.actions.long())
        loss = F.smooth_l1_loss(current_q_values, target_q_values)
        self.optimizer.zero_grad()
        loss.backward()
        th.nn.utils.clip_grad_norm_(self.q_net.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return loss.item()

    def _on_step(self):
        with th.no_grad():
            for param, target_param in zip(self.q_net.parameters(), self.q_net_target.parameters()):
                target_param.data.mul_(1 - self.tau)
                th.add(target_param.data, param.data, alpha=self.tau, out=target_param.data)
