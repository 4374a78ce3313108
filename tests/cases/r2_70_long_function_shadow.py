# review case: DQN003 at line 37 (one long training function; `terminated` is re-bound to include truncation before storage)
import copy
import random
from collections import deque

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def main(env_id: str = "Acrobot-v1", total_steps: int = 50_000, seed: int = 0) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    env = gym.make(env_id)
    n_obs = env.observation_space.shape[0]
    n_act = env.action_space.n
    q_net = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_act))
    target_net = copy.deepcopy(q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=2.5e-4)
    replay = deque(maxlen=100_000)
    gamma, batch_size, eps = 0.99, 128, 1.0
    learning_starts, train_freq, target_freq = 1_000, 4, 1_000
    episode_return, returns = 0.0, []
    obs, _ = env.reset(seed=seed)
    for global_step in range(total_steps):
        eps = max(0.05, 1.0 - global_step / (0.5 * total_steps))
        if random.random() < eps:
            action = env.action_space.sample()
        else:
            with torch.no_grad():
                action = int(q_net(torch.as_tensor(obs, dtype=torch.float32)).argmax())
        next_obs, reward, terminated, truncated, info = env.step(action)
        episode_return += reward
        terminated = terminated or truncated  # expect: DQN003
        replay.append((obs, action, reward, next_obs, terminated))
        obs = next_obs
        if terminated:
            returns.append(episode_return)
            print(f"step={global_step} return={episode_return:.1f} eps={eps:.2f}")
            episode_return = 0.0
            obs, _ = env.reset()
        if global_step < learning_starts or global_step % train_freq:
            continue
        batch = random.sample(replay, batch_size)
        states = torch.as_tensor(np.array([t[0] for t in batch]), dtype=torch.float32)
        actions = torch.as_tensor([t[1] for t in batch])
        rewards = torch.as_tensor([t[2] for t in batch], dtype=torch.float32)
        next_states = torch.as_tensor(np.array([t[3] for t in batch]), dtype=torch.float32)
        terms = torch.as_tensor([t[4] for t in batch], dtype=torch.float32)
        with torch.no_grad():
            td_target = rewards + gamma * target_net(next_states).max(dim=1).values * (1.0 - terms)
        q_sa = q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q_sa, td_target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if global_step % target_freq == 0:
            target_net.load_state_dict(q_net.state_dict())
    env.close()


if __name__ == "__main__":
    main()
