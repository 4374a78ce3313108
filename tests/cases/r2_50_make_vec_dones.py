# review case: DQN003 at line 22 (make_vec; stores the per-env autoreset flag (terminations | truncations) as the mask)
import copy

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

envs = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="sync",
                    vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP})
q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=2.5e-4)
gamma = 0.99
buf = []
obs, _ = envs.reset(seed=0)
autoreset = np.zeros(4, dtype=bool)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    dones = np.logical_or(terminations, truncations)  # expect: DQN003
    for j in range(4):
        if not autoreset[j]:
            buf.append((obs[j], actions[j], rewards[j], next_obs[j], dones[j]))
    autoreset = dones
    obs = next_obs
    if len(buf) > 1000:
        batch = [buf[i] for i in np.random.randint(len(buf), size=128)]
        s, a, r, s2, term = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*batch))
        with torch.no_grad():
            target = r + gamma * q_target(s2).max(1).values * (1 - term)
        loss = F.mse_loss(q(s).gather(1, a.long()[:, None]).squeeze(1), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if step % 500 == 0:
        q_target.load_state_dict(q.state_dict())
