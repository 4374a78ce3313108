# review case: DQN004 at line 19 (n-step return accumulated backwards in a loop with no terminal mask)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

N_STEP, GAMMA = 3, 0.99
q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)  # expect: DQN006
opt = torch.optim.Adam(q_net.parameters(), lr=1e-3)


def learn(obs, actions, rewards, next_obs_n, terminateds):
    # rewards, terminateds: [B, N_STEP]; next_obs_n: observation N_STEP steps later
    with torch.no_grad():
        ret = target_net(next_obs_n).max(dim=1).values
        for k in reversed(range(N_STEP)):
            ret = rewards[:, k] + GAMMA * ret  # expect: DQN004
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, ret)
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8, N_STEP), torch.randn(8, 4), torch.zeros(8, N_STEP))
