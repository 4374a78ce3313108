"""A replay buffer that is a dict: its methods store and read `self["done"]`."""
import numpy as np
import torch


class LazyMemory(dict):
    def __init__(self, capacity):
        super().__init__()
        self.capacity = capacity
        self["state"] = []
        self["next_state"] = []
        self["action"] = np.empty((capacity, 1), dtype=np.int64)
        self["reward"] = np.empty((capacity, 1), dtype=np.float32)
        self["done"] = np.empty((capacity, 1), dtype=np.float32)
        self._p = 0

    def append(self, state, action, reward, next_state, done):
        self["state"].append(state)
        self["next_state"].append(next_state)
        self["action"][self._p] = action
        self["reward"][self._p] = reward
        self["done"][self._p] = done
        self._p = (self._p + 1) % self.capacity

    def sample(self, batch_size):
        indices = np.random.randint(low=0, high=len(self["state"]), size=batch_size)
        states = torch.FloatTensor(np.array([self["state"][i] for i in indices]))
        next_states = torch.FloatTensor(np.array([self["next_state"][i] for i in indices]))
        actions = torch.LongTensor(self["action"][indices])
        rewards = torch.FloatTensor(self["reward"][indices])
        dones = torch.FloatTensor(self["done"][indices])
        return states, actions, rewards, next_states, dones
