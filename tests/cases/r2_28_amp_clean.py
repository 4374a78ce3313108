# review case: clean (AMP: autocast + GradScaler, target under no_grad inside autocast)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
q_net = nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 2)).to(device)
target_net = copy.deepcopy(q_net)  # expect: DQN006
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
scaler = torch.amp.GradScaler(device, enabled=device == "cuda")
gamma = 0.99


def train_step(s, a, r, s2, term):
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        with torch.no_grad():
            next_q = target_net(s2).max(1).values.float()
            y = r + gamma * next_q * (1 - term)
        q = q_net(s).gather(1, a[:, None]).squeeze(1).float()
        loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(q_net.parameters(), 10.0)
    scaler.step(optimizer)
    scaler.update()


train_step(torch.randn(8, 4, device=device), torch.randint(0, 2, (8,), device=device), torch.randn(8, device=device), torch.randn(8, 4, device=device), torch.zeros(8, device=device))
