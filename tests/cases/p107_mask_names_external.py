# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from tianshou.data import ReplayBuffer

q = nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 4))
q_target = copy.deepcopy(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
buffer = ReplayBuffer(size=100000)
gamma = 0.99


def update(batch_size=64):
    batch, _ = buffer.sample(batch_size)
    obs = torch.as_tensor(batch.obs, dtype=torch.float32)
    obs_next = torch.as_tensor(batch.obs_next, dtype=torch.float32)
    act = torch.as_tensor(batch.act, dtype=torch.long)
    rew = torch.as_tensor(batch.rew, dtype=torch.float32)
    alive = 1.0 - torch.as_tensor(batch.terminated, dtype=torch.float32)
    with torch.no_grad():
        y = rew + gamma * alive * q_target(obs_next).max(1).values
    loss = F.smooth_l1_loss(q(obs).gather(1, act[:, None]).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()


def update_cont(batch):
    cont = batch["cont"]
    with torch.no_grad():
        y = batch["reward"] + gamma * cont * q_target(batch["next_obs"]).max(1).values
    loss = F.smooth_l1_loss(q(batch["obs"]).gather(1, batch["action"][:, None]).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
