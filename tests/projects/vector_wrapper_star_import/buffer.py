import numpy as np
import torch


class ReplayBuffer:
    def __init__(self, capacity, num_envs, obs_dim):
        self.capacity, self.num_envs, self.pointer = capacity, num_envs, 0
        self.states = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.next_states = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.dones = np.zeros(capacity, dtype=np.float32)

    def add(self, step_data):
        state, action, reward, next_state, done = step_data
        i = self.pointer % self.capacity
        j = i + self.num_envs
        self.states[i:j] = state
        self.actions[i:j] = action
        self.rewards[i:j] = reward
        self.next_states[i:j] = next_state
        self.dones[i:j] = done
        self.pointer = j % self.capacity

    def sample(self, batch_size):
        idx = np.random.randint(0, self.capacity, size=batch_size)
        return (torch.from_numpy(self.states[idx]), torch.from_numpy(self.actions[idx]),
                torch.from_numpy(self.rewards[idx]), torch.from_numpy(self.next_states[idx]).float(),
                torch.from_numpy(self.dones[idx]))
