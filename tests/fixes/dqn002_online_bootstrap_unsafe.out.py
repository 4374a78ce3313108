import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        next_q = q_net(s2).max(1)[0]
        y = r + gamma * next_q * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
