"""A replay memory in a numpy structured array: rows are written as tuples, read by field name."""
import numpy as np
import torch

Transition_dtype = np.dtype(
    [("timestep", np.int32), ("state", np.float32, (128,)), ("action", np.int32), ("reward", np.float32), ("nonterminal", np.bool_)]
)
blank_trans = (0, np.zeros(128, dtype=np.float32), 0, 0.0, False)


class SegmentTree:
    def __init__(self, size):
        self.index = 0
        self.size = size
        self.data = np.array([blank_trans] * size, dtype=Transition_dtype)

    def append(self, data):
        self.data[self.index] = data
        self.index = (self.index + 1) % self.size

    def get(self, data_index):
        return self.data[data_index % self.size]


class ReplayMemory:
    def __init__(self, capacity):
        self.t = 0
        self.capacity = capacity
        self.transitions = SegmentTree(capacity)

    def append(self, state, action, reward, terminal):
        self.transitions.append((self.t, state, action, reward, not terminal))
        self.t = 0 if terminal else self.t + 1

    def sample(self, batch_size):
        idxs = np.random.randint(0, self.capacity - 1, size=batch_size)
        transitions = self.transitions.get(np.stack([idxs, idxs + 1], axis=1))
        states = torch.tensor(transitions["state"][:, 0])
        next_states = torch.tensor(transitions["state"][:, 1])
        actions = torch.tensor(transitions["action"][:, 0], dtype=torch.int64)
        rewards = torch.tensor(transitions["reward"][:, 0])
        nonterminals = torch.tensor(transitions["nonterminal"][:, 0], dtype=torch.float32)
        return states, actions, rewards, next_states, nonterminals
