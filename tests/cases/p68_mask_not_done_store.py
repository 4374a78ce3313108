# review case: DQN003 at line 19
import copy
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn

env = gym.make("MountainCar-v0")
q = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))
q_target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
memory, gamma = [], 0.99
state, _ = env.reset()
for t in range(50000):
    action = env.action_space.sample()
    next_state, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated  # expect: DQN003
    memory.append((state, action, reward, next_state, not done))
    state = env.reset()[0] if done else next_state
    if len(memory) > 256:
        s, a, r, s2, m = map(lambda x: torch.as_tensor(np.array(x), dtype=torch.float32), zip(*random.sample(memory, 64)))
        with torch.no_grad():
            y = r + gamma * m * q_target(s2).max(1)[0]
        loss = (q(s).gather(1, a.long()[:, None]).squeeze(1) - y).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    if t % 1000 == 0:
        q_target.load_state_dict(q.state_dict())
