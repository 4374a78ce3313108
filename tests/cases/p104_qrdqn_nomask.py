# review case: DQN004 at line 24
import copy

import torch
import torch.nn as nn

N_QUANT, GAMMA = 50, 0.99
net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2 * N_QUANT))
target_net = copy.deepcopy(net)  # expect: DQN006
optimizer = torch.optim.Adam(net.parameters(), lr=5e-4)
tau = (torch.arange(N_QUANT, dtype=torch.float32) + 0.5) / N_QUANT


def quantiles(model, x):
    return model(x).view(-1, 2, N_QUANT)


def learn(obs, actions, rewards, next_obs, terminated):
    B = obs.shape[0]
    with torch.no_grad():
        next_quant = quantiles(target_net, next_obs)
        next_act = next_quant.mean(2).argmax(1)
        next_z = next_quant[torch.arange(B), next_act]
        target_z = rewards[:, None] + GAMMA * next_z  # expect: DQN004
    z = quantiles(net, obs)[torch.arange(B), actions]
    u = target_z[:, None, :] - z[:, :, None]
    huber = torch.where(u.abs() <= 1, 0.5 * u.pow(2), u.abs() - 0.5)
    loss = ((tau[None, :, None] - (u.detach() < 0).float()).abs() * huber).sum(1).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
