# review case: DQN003 at line 43
import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn


@dataclass
class Transition:
    obs: np.ndarray
    action: int
    reward: float
    next_obs: np.ndarray
    done: bool


q, q_target = nn.Linear(4, 2), nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
buffer: list[Transition] = []
gamma = 0.99


def learn(batch_size=32):
    batch = random.sample(buffer, batch_size)
    s = torch.as_tensor(np.stack([t.obs for t in batch]))
    a = torch.as_tensor([t.action for t in batch])
    r = torch.as_tensor([t.reward for t in batch], dtype=torch.float32)
    s2 = torch.as_tensor(np.stack([t.next_obs for t in batch]))
    d = torch.as_tensor([t.done for t in batch], dtype=torch.float32)
    with torch.no_grad():
        y = r + gamma * q_target(s2).max(1)[0] * (1 - d)
    loss = (q(s).gather(1, a[:, None]).squeeze(1) - y).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()


def run(env, steps):
    obs, _ = env.reset()
    for _ in range(steps):
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, _ = env.step(action)
        done = terminated or truncated  # expect: DQN003
        buffer.append(Transition(obs, action, reward, next_obs, done))
        obs = env.reset()[0] if done else next_obs
        if len(buffer) >= 32:
            learn()
