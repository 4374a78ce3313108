# review case: clean
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class QHead(nn.Module):
    def __init__(self, encoder, n_actions):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, n_actions))

    def forward(self, x):
        with torch.no_grad():
            z = self.encoder(x)
        return self.head(z)


encoder = nn.Sequential(nn.Conv2d(3, 32, 8, 4), nn.ReLU(), nn.Flatten(), nn.LazyLinear(512))
encoder.load_state_dict(torch.load("pretrained_encoder.pt"))
encoder.requires_grad_(False)
online = QHead(encoder, 6)
target = QHead(encoder, 6)  # expect: DQN006
target.load_state_dict(online.state_dict())
optimizer = torch.optim.Adam(online.head.parameters(), lr=1e-4)
gamma = 0.99


def learn(s, a, r, s2, term):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - term)
    loss = F.smooth_l1_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
