# review case: DQN004 at line 36 (DoubleDQNAgent overrides compute_td_target and drops the mask)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, obs_dim: int, n_actions: int, gamma: float = 0.99):
        self.gamma = gamma
        self.online = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions))
        self.target = copy.deepcopy(self.online)  # expect: DQN006
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=5e-4)

    @torch.no_grad()
    def compute_td_target(self, rewards, next_obs, terminated):
        next_q = self.target(next_obs).max(dim=1).values
        return rewards + self.gamma * (1 - terminated) * next_q

    def update(self, obs, actions, rewards, next_obs, terminated):
        y = self.compute_td_target(rewards, next_obs, terminated)
        q = self.online(obs).gather(1, actions[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


class DoubleDQNAgent(DQNAgent):
    @torch.no_grad()
    def compute_td_target(self, rewards, next_obs, terminated):
        next_actions = self.online(next_obs).argmax(dim=1, keepdim=True)
        next_q = self.target(next_obs).gather(1, next_actions).squeeze(1)
        return rewards + self.gamma * next_q  # expect: DQN004


agent = DoubleDQNAgent(4, 2)
for _ in range(10):
    o = torch.randn(32, 4)
    agent.update(o, torch.randint(0, 2, (32,)), torch.randn(32), torch.randn(32, 4), torch.zeros(32))
