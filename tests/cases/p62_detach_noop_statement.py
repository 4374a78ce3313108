# review case: DQN002 at line 25
import copy
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.policy_net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions))
        self.target_net = copy.deepcopy(self.policy_net)
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=1e-3)
        self.gamma = gamma
        self.memory = []

    def learn(self, batch_size=64):
        batch = random.sample(self.memory, batch_size)
        states, actions, rewards, next_states, dones = map(lambda x: torch.tensor(np.array(x)), zip(*batch))
        states, next_states = states.float(), next_states.float()
        q_values = self.policy_net(states).gather(1, actions.long().unsqueeze(1)).squeeze(1)
        next_actions = self.policy_net(next_states).max(1)[1].unsqueeze(1)
        next_q_values = self.target_net(next_states).gather(1, next_actions).squeeze(1)  # expect: DQN002
        next_q_values.detach()
        expected_q_values = rewards.float() + self.gamma * next_q_values * (1 - dones.float())
        loss = F.smooth_l1_loss(q_values, expected_q_values)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def update_target(self):
        self.target_net.load_state_dict(self.policy_net.state_dict())
