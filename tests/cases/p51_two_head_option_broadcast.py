# review case: DQN008 at line 39
import copy

import torch
import torch.nn as nn


class TwoHeads(nn.Module):
    """QUOTA-style: quantiles per action and one value per option, from one body."""

    def __init__(self, obs_dim=4, n_actions=2, n_quantiles=8, n_options=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU())
        self.quantiles = nn.Linear(64, n_actions * n_quantiles)
        self.options = nn.Linear(64, n_options)
        self.shape = (n_actions, n_quantiles)

    def forward(self, x):
        h = self.body(x)
        return self.quantiles(h).view(-1, *self.shape), self.options(h)


net = TwoHeads()
target_net = copy.deepcopy(net)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
BATCH, GAMMA = 32, 0.99


def learn(step, s, options, r, s2, d):
    if step % 1000 == 0:
        target_net.load_state_dict(net.state_dict())
    _, option_values = net(s)
    option_values = option_values[range(BATCH), options]  # [B]
    with torch.no_grad():
        _, next_option_values = target_net(s2)
        next_option_values = next_option_values.max(1)[0].unsqueeze(1)  # [B, 1]
        option_target = r + GAMMA * (1.0 - d) * next_option_values
    # [B] against [B, 1]: every prediction is pulled toward every transition's target
    option_loss = (option_values - option_target).pow(2).mean()  # expect: DQN008
    optimizer.zero_grad()
    option_loss.backward()
    optimizer.step()
