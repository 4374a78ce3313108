# review case: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
        p = logp.exp()
        return (-(1 - p) ** self.gamma * logp).mean()


model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
target_net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
criterion = FocalLoss(gamma=2.0)

for epoch in range(10):
    x = torch.randn(64, 20)
    target = torch.randint(0, 5, (64,))
    # knowledge distillation from a frozen teacher called target_net
    soft = target_net(x).max(1).values
    logits = model(x)
    loss = criterion(logits, target) + 0.9 * F.mse_loss(logits.max(1).values, soft)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
