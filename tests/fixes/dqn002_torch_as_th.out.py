import copy

import torch as th
import torch.nn.functional as F

q_net = th.nn.Sequential(th.nn.Linear(4, 128), th.nn.ReLU(), th.nn.Linear(128, 2))
target_net = copy.deepcopy(q_net)
opt = th.optim.Adam(q_net.parameters(), lr=2.5e-4)
gamma = 0.99


def update(obs, actions, rewards, next_obs, dones):
    with th.no_grad():
        target_max, _ = target_net(next_obs).max(dim=1)
        td_target = rewards + gamma * target_max * (1 - dones)
    old_val = q_net(obs).gather(1, actions).squeeze()
    loss = F.mse_loss(td_target, old_val)
    opt.zero_grad()
    loss.backward()
    opt.step()
