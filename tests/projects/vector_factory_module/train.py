
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
memory = []


def learn():
    s, a, r, s2, term = (torch.as_tensor(np.array(x)) for x in zip(*random.sample(memory, 64)))
    with torch.no_grad():
        y = r + 0.99 * target(s2.float()).max(1).values * (1 - term.float())
    loss = F.mse_loss(q_net(s.float()).gather(1, a[:, None]).squeeze(1), y.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if random.random() < 0.01:
        target.load_state_dict(q_net.state_dict())

from envs_util import make_envs

envs = make_envs(4)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))  # expect: DQN011
    obs = next_obs
    if len(memory) > 64:
        learn()
