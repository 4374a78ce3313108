import numpy as np


class TradingEnv:
    """The episode walks through a price series and ends with it: the end of the data is the task's
    own end (the position is closed there), not a time limit."""

    def __init__(self, prices, window=4):
        self.prices = prices
        self.window = window
        self.max_steps = len(prices) - 1

    def reset(self):
        self.t = self.window
        self.cash = 1000.0
        return self.observe(self.t)

    def observe(self, t):
        return np.asarray(self.prices[t - self.window : t], dtype=np.float32)

    def step(self, action):
        price = self.prices[self.t]
        reward = (self.prices[self.t + 1] - price) * (1 if action == 1 else 0)
        self.t += 1
        done = self.t == self.max_steps
        return self.observe(self.t), reward, done, {}
