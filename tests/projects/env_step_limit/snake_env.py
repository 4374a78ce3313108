import random

import numpy as np


class SnakeEnv:
    """The project's own env: it ends an episode on a collision, and also when `max_steps` run out."""

    def __init__(self, size=10):
        self.size = size
        self.max_steps = size * size * 2

    def reset(self):
        self.steps = 0
        self.lives = 3
        self.done = False
        self.head = [self.size // 2, self.size // 2]
        return np.array(self.head, dtype=np.float32)

    def step(self, action):
        self.steps += 1
        self.head[action % 2] += 1 if action < 2 else -1
        reward = 0.1
        if not (0 <= self.head[0] < self.size and 0 <= self.head[1] < self.size):
            self.lives -= 1
            reward = -1.0
            if self.lives == 0:  # a counter of deaths, not of time: a real end
                self.done = True
        if self.steps >= self.max_steps:  # expect: DQN003
            self.done = True
        return np.array(self.head, dtype=np.float32), reward, self.done, {}

    def sample_action(self):
        return random.randrange(4)
