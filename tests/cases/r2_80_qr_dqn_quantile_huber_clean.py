# review case: clean (QR-DQN quantile Huber loss; variables named target/theta; target quantiles masked and grad-free)
import torch
import torch.nn as nn

N_Q, N_A, gamma, kappa = 51, 2, 0.99, 1.0


class QRNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, N_A * N_Q))

    def forward(self, x):
        return self.f(x).view(-1, N_A, N_Q)


net, target_net = QRNet(), QRNet()  # expect: DQN006
target_net.load_state_dict(net.state_dict())
optimizer = torch.optim.Adam(net.parameters(), lr=5e-5)
tau_hat = (torch.arange(N_Q, dtype=torch.float32) + 0.5) / N_Q


def learn(s, a, r, s2, term):
    B = s.shape[0]
    theta = net(s)[torch.arange(B), a]  # [B, N]
    next_dist = target_net(s2).detach()
    a_star = next_dist.mean(2).argmax(1)
    target = r[:, None] + gamma * (1 - term[:, None]) * next_dist[torch.arange(B), a_star]
    u = target[:, None, :] - theta[:, :, None]
    huber = torch.where(u.abs() <= kappa, 0.5 * u.pow(2), kappa * (u.abs() - 0.5 * kappa))
    loss = ((tau_hat[None, :, None] - (u.detach() < 0).float()).abs() * huber).sum(1).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


learn(torch.randn(8, 4), torch.randint(0, 2, (8,)), torch.randn(8), torch.randn(8, 4), torch.zeros(8))
