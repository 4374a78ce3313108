# review case: clean
import copy
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

N, GAMMA = 3, 0.99
q = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
q_target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
storage = []
window = deque(maxlen=N)


def push(obs, action, reward, next_obs, terminated):
    window.append((obs, action, reward, next_obs, terminated))
    if len(window) == N or terminated:
        ret, disc = 0.0, 1.0
        for (_, _, r, _, term) in window:
            ret += disc * r
            disc *= GAMMA
            if term:
                disc = 0.0
                break
        storage.append((window[0][0], window[0][1], ret, window[-1][3], disc))


def train(batch_size=64):
    idx = np.random.randint(len(storage), size=batch_size)
    o, a, R, o2, disc = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*[storage[i] for i in idx]))
    with torch.no_grad():
        y = R + disc * q_target(o2).max(1).values
    loss = F.smooth_l1_loss(q(o).gather(1, a.long()[:, None]).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
