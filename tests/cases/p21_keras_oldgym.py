# review case: DQN003 at line 43
import random
from collections import deque

import gym
import numpy as np
import torch
import torch.nn as nn


class DQNAgent:
    def __init__(self, state_size, action_size):
        self.memory = deque(maxlen=2000)
        self.gamma = 0.95
        self.epsilon = 1.0
        self.model = nn.Sequential(nn.Linear(state_size, 24), nn.ReLU(), nn.Linear(24, action_size))
        self.target_model = nn.Sequential(nn.Linear(state_size, 24), nn.ReLU(), nn.Linear(24, action_size))
        self.target_model.load_state_dict(self.model.state_dict())
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.001)

    def remember(self, state, action, reward, next_state, done):
        self.memory.append((state, action, reward, next_state, done))

    def replay(self, batch_size):
        minibatch = random.sample(self.memory, batch_size)
        for state, action, reward, next_state, done in minibatch:
            target = reward
            if not done:
                target = reward + self.gamma * torch.max(self.target_model(torch.FloatTensor(next_state))).item()
            q = self.model(torch.FloatTensor(state))[action]
            loss = (q - target) ** 2
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


env = gym.make("CartPole-v1")
agent = DQNAgent(4, 2)
for e in range(100):
    state = env.reset()
    for t in range(500):
        action = env.action_space.sample()
        next_state, reward, done, _ = env.step(action)  # expect: DQN003
        agent.remember(state, action, reward, next_state, done)
        state = next_state
        if done:
            agent.target_model.load_state_dict(agent.model.state_dict())
            break
        if len(agent.memory) > 32:
            agent.replay(32)
