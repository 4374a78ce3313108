import numpy as np


class SkipWrapper:
    """Old gym: repeats the action k times and forwards the inner env's done."""

    def __init__(self, env, k=4):
        self.env = env
        self.k = k

    def reset(self):
        return self.env.reset()

    def step(self, action):
        reward, done, info = 0.0, False, {}
        for _ in range(self.k):
            if not done:
                state, step_reward, step_done, info = self.env.step(action)  # expect: DQN003
                reward += step_reward
                done = step_done
        return state, reward, done, info
