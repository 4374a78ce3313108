# review case: clean
import copy

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_ENVS, GAMMA, CAP = 8, 0.99, 50000
envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(NUM_ENVS)])
q_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
obs_buf = np.zeros((CAP, 4), np.float32); next_obs_buf = np.zeros((CAP, 4), np.float32)
act_buf = np.zeros(CAP, np.int64); rew_buf = np.zeros(CAP, np.float32); term_buf = np.zeros(CAP, np.float32)
ptr = 0
obs, _ = envs.reset(seed=0)
for step in range(20000):
    with torch.no_grad():
        actions = q_net(torch.as_tensor(obs)).argmax(1).numpy()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    real_next = next_obs.copy()
    for i in np.flatnonzero(truncations):
        real_next[i] = infos["final_observation"][i]
    dones = np.logical_or(terminations, truncations)
    for i in range(NUM_ENVS):
        k = ptr % CAP
        obs_buf[k], next_obs_buf[k], act_buf[k] = obs[i], real_next[i], actions[i]
        rew_buf[k], term_buf[k] = rewards[i], terminations[i]
        ptr += 1
    obs = next_obs
    if step > 100:
        idx = np.random.randint(0, min(ptr, CAP), 256)
        b_obs, b_next = torch.as_tensor(obs_buf[idx]), torch.as_tensor(next_obs_buf[idx])
        b_act, b_rew, b_term = torch.as_tensor(act_buf[idx]), torch.as_tensor(rew_buf[idx]), torch.as_tensor(term_buf[idx])
        with torch.no_grad():
            target = b_rew + GAMMA * target_net(b_next).amax(dim=1) * (1.0 - b_term)
        q = q_net(b_obs).gather(1, b_act[:, None]).squeeze(1)
        loss = F.mse_loss(q, target)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
    if step % 250 == 0:
        target_net.load_state_dict(q_net.state_dict())
    if dones.any():
        pass
