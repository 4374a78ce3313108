# review case: DQN004 at line 44 (annotated assignments; the annotated TD target lacks the mask)
from __future__ import annotations

import copy
import random
from typing import NamedTuple

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Transition(NamedTuple):
    obs: np.ndarray
    action: int
    reward: float
    next_obs: np.ndarray
    done: bool


env: gym.Env = gym.make("CartPole-v1")
q: nn.Module = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_t: nn.Module = copy.deepcopy(q)  # expect: DQN006
opt: torch.optim.Optimizer = torch.optim.Adam(q.parameters(), lr=1e-3)
memory: list[Transition] = []
gamma: float = 0.99
obs: np.ndarray = env.reset()[0]
for step in range(5000):
    action: int = int(env.action_space.sample())
    nxt, rew, terminated, truncated, _ = env.step(action)
    memory.append(Transition(obs, action, float(rew), nxt, terminated))
    obs = env.reset()[0] if terminated or truncated else nxt
    if len(memory) >= 128:
        batch: Transition = Transition(*zip(*random.sample(memory, 64)))
        s: torch.Tensor = torch.as_tensor(np.array(batch.obs), dtype=torch.float32)
        a: torch.Tensor = torch.as_tensor(batch.action)
        r: torch.Tensor = torch.as_tensor(batch.reward, dtype=torch.float32)
        s2: torch.Tensor = torch.as_tensor(np.array(batch.next_obs), dtype=torch.float32)
        d: torch.Tensor = torch.as_tensor(batch.done, dtype=torch.float32)
        with torch.no_grad():
            next_q: torch.Tensor = q_t(s2).max(1).values
            y: torch.Tensor = r + gamma * next_q  # expect: DQN004
        loss: torch.Tensor = F.mse_loss(q(s).gather(1, a[:, None]).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
