# review case: clean (Bootstrapped DQN, K heads in one module, Bernoulli masks weight the per-head loss)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadQ(nn.Module):
    def __init__(self, obs_dim=4, n_actions=2, k=10):
        super().__init__()
        self.torso = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU())
        self.heads = nn.ModuleList(nn.Linear(128, n_actions) for _ in range(k))

    def forward(self, x):  # [K, B, A]
        h = self.torso(x)
        return torch.stack([head(h) for head in self.heads])


net = MultiHeadQ()
tgt = copy.deepcopy(net)  # expect: DQN006
opt = torch.optim.Adam(net.parameters(), lr=1e-4)
discount = 0.99


def learn(s, a, r, s2, term, boot_mask):  # boot_mask: [B, K]
    q = net(s).gather(2, a[None, :, None].expand(10, -1, 1)).squeeze(2)  # [K, B]
    with torch.no_grad():
        a_star = net(s2).argmax(dim=2, keepdim=True)
        next_q = tgt(s2).gather(2, a_star).squeeze(2)
        y = r[None] + discount * next_q * (1.0 - term[None])
    per_head = F.smooth_l1_loss(q, y, reduction="none") * boot_mask.T
    loss = per_head.sum() / boot_mask.sum().clamp(min=1)
    opt.zero_grad()
    loss.backward()
    opt.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8), torch.bernoulli(torch.full((8, 10), 0.5)))
