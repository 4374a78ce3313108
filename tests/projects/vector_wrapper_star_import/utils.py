from collections import deque

import numpy as np


class ScaledObservations:
    """The project's own wrapper around a vector env: it scales and stacks observations."""

    def __init__(self, env, scale=10.0):
        self.env = env
        self.scale = scale
        self.num_envs = env.num_envs
        self.recent = deque([], maxlen=2)

    def reset(self):
        obs, _ = self.env.reset()
        self.recent.append(obs / self.scale)
        return obs / self.scale

    def step(self, actions):
        obs, reward, terminated, truncated, _ = self.env.step(actions)
        self.recent.append(obs / self.scale)
        return np.array(self.recent[-1]), reward, terminated


def collect(envs, buffer, obs, q_net):
    actions = np.random.randint(0, 2, size=envs.num_envs)
    next_obs, rewards, terminated = envs.step(actions)
    buffer.add((obs, actions, rewards, next_obs, terminated))  # expect: DQN011
    return next_obs
