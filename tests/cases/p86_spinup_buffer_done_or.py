# review case: DQN003 at line 50
import copy

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn


class ReplayBuffer:
    def __init__(self, obs_dim, size):
        self.obs_buf = np.zeros((size, obs_dim), dtype=np.float32)
        self.obs2_buf = np.zeros((size, obs_dim), dtype=np.float32)
        self.act_buf = np.zeros(size, dtype=np.int64)
        self.rew_buf = np.zeros(size, dtype=np.float32)
        self.done_buf = np.zeros(size, dtype=np.float32)
        self.ptr, self.size, self.max_size = 0, 0, size

    def store(self, obs, act, rew, next_obs, done):
        self.obs_buf[self.ptr], self.obs2_buf[self.ptr] = obs, next_obs
        self.act_buf[self.ptr], self.rew_buf[self.ptr], self.done_buf[self.ptr] = act, rew, done
        self.ptr = (self.ptr + 1) % self.max_size
        self.size = min(self.size + 1, self.max_size)

    def sample_batch(self, batch_size=32):
        idxs = np.random.randint(0, self.size, size=batch_size)
        batch = dict(obs=self.obs_buf[idxs], obs2=self.obs2_buf[idxs], act=self.act_buf[idxs],
                     rew=self.rew_buf[idxs], done=self.done_buf[idxs])
        return {k: torch.as_tensor(v) for k, v in batch.items()}


env = gym.make("Acrobot-v1")
q = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 3))
q_targ = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
buf, gamma = ReplayBuffer(6, 100000), 0.99


def compute_loss(data):
    o, a, r, o2, d = data["obs"], data["act"], data["rew"], data["obs2"], data["done"]
    with torch.no_grad():
        backup = r + gamma * (1 - d) * q_targ(o2).max(1)[0]
    return ((q(o).gather(1, a[:, None]).squeeze(1) - backup) ** 2).mean()


o, _ = env.reset()
for t in range(100000):
    a = env.action_space.sample()
    o2, r, terminated, truncated, _ = env.step(a)
    d = terminated or truncated  # expect: DQN003
    buf.store(o, a, r, o2, d)
    o = o2 if not d else env.reset()[0]
    if t > 1000:
        loss = compute_loss(buf.sample_batch(64))
        opt.zero_grad(); loss.backward(); opt.step()
