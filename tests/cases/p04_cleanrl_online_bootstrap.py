# review case: DQN005 at line 47
import random
from dataclasses import dataclass
import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from stable_baselines3.common.buffers import ReplayBuffer
@dataclass
class Args:
    gamma: float = 0.99
    batch_size: int = 128
    target_network_frequency: int = 500
    tau: float = 1.0
class QNetwork(nn.Module):
    def __init__(self, env):
        super().__init__()
        self.network = nn.Sequential(
            nn.Linear(np.array(env.single_observation_space.shape).prod(), 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, env.single_action_space.n))
    def forward(self, x):
        return self.network(x)
args = Args()
envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")])
q_network = QNetwork(envs)
optimizer = optim.Adam(q_network.parameters(), lr=2.5e-4)
target_network = QNetwork(envs)
target_network.load_state_dict(q_network.state_dict())
rb = ReplayBuffer(10000, envs.single_observation_space, envs.single_action_space, "cpu",
                  handle_timeout_termination=False)
obs, _ = envs.reset(seed=1)
for global_step in range(10000):
    if random.random() < 0.1:
        actions = np.array([envs.single_action_space.sample() for _ in range(envs.num_envs)])
    else:
        q_values = q_network(torch.Tensor(obs))
        actions = torch.argmax(q_values, dim=1).cpu().numpy()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    real_next_obs = next_obs.copy()
    for idx, trunc in enumerate(truncations):
        if trunc:
            real_next_obs[idx] = infos["final_observation"][idx]
    rb.add(obs, real_next_obs, actions, rewards, terminations, infos)
    obs = next_obs
    if global_step > 1000 and global_step % 10 == 0:
        data = rb.sample(args.batch_size)
        with torch.no_grad():
            target_max, _ = q_network(data.next_observations).max(dim=1)  # expect: DQN005
            td_target = data.rewards.flatten() + args.gamma * target_max * (1 - data.dones.flatten())
        old_val = q_network(data.observations).gather(1, data.actions).squeeze()
        loss = F.mse_loss(td_target, old_val)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if global_step % args.target_network_frequency == 0:
        for target_network_param, q_network_param in zip(target_network.parameters(), q_network.parameters()):
            target_network_param.data.copy_(
                args.tau * q_network_param.data + (1.0 - args.tau) * target_network_param.data)
