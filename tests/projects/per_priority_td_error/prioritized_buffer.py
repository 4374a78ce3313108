import numpy as np
import torch


class PrioritizedBuffer:
    def __init__(self, size, n_obs, alpha=0.6):
        self.alpha = alpha
        self.s = np.zeros((size, n_obs), dtype=np.float32)
        self.a = np.zeros((size, 1), dtype=np.int64)
        self.r = np.zeros((size, 1), dtype=np.float32)
        self.s2 = np.zeros((size, n_obs), dtype=np.float32)
        self.dw = np.zeros((size, 1), dtype=bool)
        self.priorities = torch.zeros(size)
        self.ptr, self.size, self.max_size = 0, 0, size

    def add(self, s, a, r, s2, dw, priority):
        self.s[self.ptr], self.a[self.ptr], self.r[self.ptr] = s, a, r
        self.s2[self.ptr], self.dw[self.ptr] = s2, dw
        self.priorities[self.ptr] = priority
        self.ptr = (self.ptr + 1) % self.max_size
        self.size = min(self.size + 1, self.max_size)

    def sample(self, n, beta=0.4):
        probs = self.priorities[: self.size] / self.priorities[: self.size].sum()
        ind = torch.multinomial(probs, n, replacement=True).numpy()
        weights = (self.size * probs[ind]) ** (-beta)
        weights = (weights / weights.max()).unsqueeze(-1)
        return (
            torch.from_numpy(self.s[ind]),
            torch.from_numpy(self.a[ind]),
            torch.from_numpy(self.r[ind]),
            torch.from_numpy(self.s2[ind]),
            torch.from_numpy(self.dw[ind]),
            ind,
            weights,
        )
