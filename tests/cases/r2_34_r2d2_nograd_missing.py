# review case: DQN002 at line 29 (R2D2-style; target pass is indexed [0] and not under no_grad)
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class RecurrentQ(nn.Module):
    def __init__(self, obs_dim: int = 4, hidden: int = 64, n_actions: int = 2):
        super().__init__()
        self.lstm = nn.LSTM(obs_dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_actions)

    def forward(self, obs_seq, state=None):
        out, state = self.lstm(obs_seq, state)
        return self.head(out), state


online = RecurrentQ()
target = copy.deepcopy(online)  # expect: DQN006
optim = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma: float = 0.997


def learn(obs_seq, act_seq, rew_seq, next_obs_seq, term_seq, h0):
    q_all, _ = online(obs_seq, h0)
    q = q_all.gather(2, act_seq.unsqueeze(-1)).squeeze(-1)
    next_q_all = target(next_obs_seq, h0)[0]  # expect: DQN002
    y = rew_seq + gamma * (1.0 - term_seq) * next_q_all.max(dim=-1).values
    loss = F.smooth_l1_loss(q, y)
    optim.zero_grad()
    loss.backward()
    optim.step()


B, T = 4, 10
h = (torch.zeros(1, B, 64), torch.zeros(1, B, 64))
learn(torch.randn(B, T, 4), torch.randint(0, 2, (B, T)), torch.randn(B, T), torch.randn(B, T, 4), torch.zeros(B, T), h)
