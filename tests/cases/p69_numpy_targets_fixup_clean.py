# review case: clean
import copy
import random

import numpy as np
import torch
import torch.nn as nn


class Agent:
    def __init__(self):
        self.model = nn.Sequential(nn.Linear(4, 24), nn.ReLU(), nn.Linear(24, 24), nn.ReLU(), nn.Linear(24, 2))
        self.target_model = copy.deepcopy(self.model)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.memory = []
        self.gamma = 0.95

    def replay(self, batch_size=32):
        minibatch = random.sample(self.memory, batch_size)
        states = torch.tensor(np.array([m[0] for m in minibatch]), dtype=torch.float32)
        actions = torch.tensor([m[1] for m in minibatch])
        rewards = torch.tensor([m[2] for m in minibatch], dtype=torch.float32)
        next_states = torch.tensor(np.array([m[3] for m in minibatch]), dtype=torch.float32)
        dones = torch.tensor([m[4] for m in minibatch], dtype=torch.bool)
        with torch.no_grad():
            targets = rewards + self.gamma * self.target_model(next_states).max(1)[0]
            targets[dones] = rewards[dones]
        q = self.model(states).gather(1, actions[:, None]).squeeze(1)
        loss = nn.functional.mse_loss(q, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
