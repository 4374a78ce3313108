# review case: DQN003 at line 18, DQN011 at line 20
import copy

import gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(4)])
q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_target = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
gamma, storage = 0.99, []
obs = envs.reset()
for step in range(10000):
    actions = np.random.randint(0, 2, size=4)
    next_obs, rewards, dones, infos = envs.step(actions)  # expect: DQN003
    for i in range(4):
        storage.append((obs[i], actions[i], rewards[i], next_obs[i], dones[i]))  # expect: DQN011
    obs = next_obs
    if len(storage) > 256:
        idx = np.random.randint(len(storage), size=64)
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*[storage[i] for i in idx]))
        with torch.no_grad():
            y = r + gamma * q_target(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        opt.zero_grad(); loss.backward(); opt.step()
