# review case: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNet(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.fc(x)


class DQNAgent(nn.Module):
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        super().__init__()
        self.q = QNet(obs_dim, n_actions)
        self.q_target = QNet(obs_dim, n_actions)
        self.q_target.load_state_dict(self.q.state_dict())
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)

    def update(self, s, a, r, s2, terminated):
        with torch.no_grad():
            y = r + self.gamma * self.q_target(s2).max(1)[0] * (1 - terminated)
        q_sa = self.q(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q_sa, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def sync(self):
        self.q_target.load_state_dict(self.q.state_dict())
