import gym
import numpy as np


class ScaledFloatFrame(gym.ObservationWrapper):
    """A wrapper of the project that changes observations only: `step` is gym's own."""

    def observation(self, observation):
        return np.asarray(observation, dtype=np.float32) / 255.0


class FireResetEnv(gym.Wrapper):
    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        obs, _, done, _ = self.env.step(1)
        return self.env.reset(**kwargs) if done else obs


def make_env(name):
    return ScaledFloatFrame(FireResetEnv(gym.make(name)))
