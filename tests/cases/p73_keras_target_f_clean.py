# review case: clean
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn


class DQNAgent:
    def __init__(self, state_size, action_size):
        self.memory = deque(maxlen=2000)
        self.gamma = 0.95
        self.model = nn.Sequential(nn.Linear(state_size, 24), nn.ReLU(), nn.Linear(24, action_size))
        self.target_model = nn.Sequential(nn.Linear(state_size, 24), nn.ReLU(), nn.Linear(24, action_size))
        self.update_target_model()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.001)
        self.loss_fn = nn.MSELoss()

    def update_target_model(self):
        self.target_model.load_state_dict(self.model.state_dict())

    def replay(self, batch_size):
        minibatch = random.sample(self.memory, batch_size)
        for state, action, reward, next_state, done in minibatch:
            state = torch.FloatTensor(state).unsqueeze(0)
            next_state = torch.FloatTensor(next_state).unsqueeze(0)
            target = self.model(state).detach().clone()
            if done:
                target[0][action] = reward
            else:
                t = self.target_model(next_state).detach()
                target[0][action] = reward + self.gamma * torch.max(t)
            loss = self.loss_fn(self.model(state), target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

    def replay_vectorised(self, batch_size):
        minibatch = random.sample(self.memory, batch_size)
        states, actions, rewards, next_states, dones = map(np.array, zip(*minibatch))
        states, next_states = torch.FloatTensor(states), torch.FloatTensor(next_states)
        targets = self.model(states).detach().clone()
        next_max = self.target_model(next_states).detach().max(1)[0].numpy()
        targets[np.arange(batch_size), actions] = torch.FloatTensor(rewards + self.gamma * next_max * (1 - dones))
        loss = self.loss_fn(self.model(states), targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
