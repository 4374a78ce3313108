# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
online = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4)).to(device)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
scaler = torch.amp.GradScaler(device)
gamma = 0.99


class Learner:
    def __init__(self, online, target, optimizer):
        self.online, self.target, self.optimizer = online, target, optimizer  # expect: DQN006

    @torch.no_grad()
    def td_target(self, rewards, next_obs, terminated):
        next_q = self.target(next_obs).max(1).values
        return rewards + gamma * next_q * (~terminated).float()

    def update(self, obs, actions, rewards, next_obs, terminated):
        with torch.autocast(device_type=device), torch.no_grad():
            y_amp = rewards + gamma * self.target(next_obs).max(1).values * (1 - terminated.float())
        with torch.autocast(device_type=device):
            q = self.online(obs).gather(1, actions[:, None]).squeeze(1)
            loss = F.smooth_l1_loss(q, self.td_target(rewards, next_obs, terminated)) + 0.0 * F.mse_loss(q, y_amp)
        self.optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(self.optimizer)
        scaler.update()


learner = Learner(online, target, optimizer)
