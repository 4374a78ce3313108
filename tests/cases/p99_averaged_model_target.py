# review case: clean
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

online = nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 4))
target = AveragedModel(online, multi_avg_fn=get_ema_multi_avg_fn(0.995))
optimizer = torch.optim.Adam(online.parameters(), lr=3e-4)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    q = online(s).gather(1, a[:, None]).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    target.update_parameters(online)
