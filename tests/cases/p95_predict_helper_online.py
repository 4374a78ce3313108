# review case: DQN005 at line 18
import random

import numpy as np
import torch
import torch.nn as nn


class DQNAgent:
    def __init__(self, state_size, action_size):
        self.memory = []
        self.gamma = 0.95
        self.model = nn.Sequential(nn.Linear(state_size, 24), nn.ReLU(), nn.Linear(24, action_size))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def predict(self, state):
        with torch.no_grad():
            return self.model(torch.as_tensor(state, dtype=torch.float32)).numpy()  # expect: DQN005

    def replay(self, batch_size):
        minibatch = random.sample(self.memory, batch_size)
        for state, action, reward, next_state, terminated in minibatch:
            target = reward
            if not terminated:
                target = reward + self.gamma * np.amax(self.predict(next_state))
            q = self.model(torch.as_tensor(state, dtype=torch.float32))[action]
            loss = (q - target) ** 2
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
