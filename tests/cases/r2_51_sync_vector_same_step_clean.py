# review case: clean (SyncVectorEnv with AutoresetMode.SAME_STEP; final_obs substituted, terminations masks)
import copy

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(4)],
                                autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
q_target = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=2.5e-4)
gamma = 0.99
S, A, R, S2, D = [], [], [], [], []
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    real_next = next_obs.copy()
    if "final_obs" in infos:
        for j in np.nonzero(infos["_final_obs"])[0]:
            real_next[j] = infos["final_obs"][j]
    S.extend(obs); A.extend(actions); R.extend(rewards); S2.extend(real_next); D.extend(terminations)
    obs = next_obs
    if len(S) > 1000:
        idx = np.random.randint(len(S), size=128)
        s, a, r, s2, d = (torch.as_tensor(np.array(x)[idx], dtype=torch.float32) for x in (S, A, R, S2, D))
        with torch.no_grad():
            y = r + gamma * q_target(s2).max(1).values * (1 - d)
        loss = F.mse_loss(q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
