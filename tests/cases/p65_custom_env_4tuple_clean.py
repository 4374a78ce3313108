# review case: clean
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GridWorld:
    """5x5 grid, goal in the corner; episodes end only at the goal (no time limit)."""

    def reset(self):
        self.pos = np.array([0, 0])
        return self.pos.astype(np.float32)

    def step(self, action):
        self.pos = np.clip(self.pos + [(0, 1), (1, 0), (0, -1), (-1, 0)][action], 0, 4)
        done = bool((self.pos == 4).all())
        return self.pos.astype(np.float32), (1.0 if done else -0.01), done, {}


env = GridWorld()
q = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 4))
q_target = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 4))
q_target.load_state_dict(q.state_dict())
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
buffer, gamma = [], 0.9
state = env.reset()
for t in range(20000):
    action = random.randrange(4)
    next_state, reward, done, _ = env.step(action)
    buffer.append((state, action, reward, next_state, done))
    state = env.reset() if done else next_state
    if len(buffer) >= 64:
        s, a, r, s2, d = (torch.tensor(np.array(x)) for x in zip(*random.sample(buffer, 64)))
        with torch.no_grad():
            y = r.float() + gamma * q_target(s2).max(1).values * (1 - d.float())
        loss = F.mse_loss(q(s).gather(1, a[:, None]).squeeze(1), y)
        opt.zero_grad(); loss.backward(); opt.step()
    if t % 500 == 0:
        q_target.load_state_dict(q.state_dict())
