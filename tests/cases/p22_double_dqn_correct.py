# review case: clean
import copy
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
class DuelingQNet(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.feature = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU())
        self.value = nn.Linear(128, 1)
        self.advantage = nn.Linear(128, n_actions)
    def forward(self, x):
        h = self.feature(x)
        adv = self.advantage(h)
        return self.value(h) + adv - adv.mean(dim=1, keepdim=True)
class Buffer:
    def __init__(self, n, obs_dim):
        self.s = np.zeros((n, obs_dim), np.float32); self.a = np.zeros(n, np.int64)
        self.r = np.zeros(n, np.float32); self.s2 = np.zeros((n, obs_dim), np.float32)
        self.d = np.zeros(n, np.float32); self.i = 0; self.n = n
    def add(self, s, a, r, s2, d):
        k = self.i % self.n
        self.s[k], self.a[k], self.r[k], self.s2[k], self.d[k] = s, a, r, s2, d
        self.i += 1
    def sample(self, bs):
        idx = np.random.randint(0, min(self.i, self.n), bs)
        return (torch.as_tensor(self.s[idx]), torch.as_tensor(self.a[idx]), torch.as_tensor(self.r[idx]),
                torch.as_tensor(self.s2[idx]), torch.as_tensor(self.d[idx]))
online = DuelingQNet(8, 4)
target = copy.deepcopy(online)
opt = torch.optim.Adam(online.parameters(), lr=6.25e-5)
buf = Buffer(100000, 8)
gamma = 0.99
def update():
    s, a, r, s2, d = buf.sample(32)
    with torch.no_grad():
        next_actions = online(s2).argmax(dim=1, keepdim=True)
        next_q = target(s2).gather(1, next_actions).squeeze(1)
        y = r + gamma * (1.0 - d) * next_q
    q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    opt.zero_grad(); loss.backward(); opt.step()
def train(env, steps):
    obs, _ = env.reset()
    for t in range(steps):
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buf.add(obs, action, reward, next_obs, terminated)
        obs = next_obs if not (terminated or truncated) else env.reset()[0]
        if t > 1000:
            update()
        if t % 1000 == 0:
            target.load_state_dict(online.state_dict())
