import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

from buffer import ReplayBuffer
from utils import *

GAMMA = 0.99
envs = ScaledObservations(gym.vector.AsyncVectorEnv([lambda: gym.make("CartPole-v1")] * 4))
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
buffer = ReplayBuffer(10_000, envs.num_envs, 4)
obs = envs.reset()
for step in range(20_000):
    obs = collect(envs, buffer, obs, q_net)
    if step > 500:
        states, actions, rewards, next_states, dones = buffer.sample(64)
        with torch.no_grad():
            y = rewards + GAMMA * target_net(next_states).max(1).values * (1 - dones)
        loss = F.mse_loss(q_net(states).gather(1, actions[:, None]).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if step % 500 == 0:
        target_net.load_state_dict(q_net.state_dict())
