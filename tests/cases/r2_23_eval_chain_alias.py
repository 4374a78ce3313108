# review case: DQN001 at line 7 (Module.eval() returns self, so target_net IS policy_net)
import torch
import torch.nn as nn
import torch.nn.functional as F

policy_net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
target_net = policy_net.eval()  # expect: DQN001
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4, amsgrad=True)
gamma = 0.99


def optimize(states, actions, rewards, next_states, terminated):
    policy_net.train()
    with torch.no_grad():
        next_values = target_net(next_states).max(1).values
    expected = rewards + gamma * next_values * (1 - terminated)
    q = policy_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, expected)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
    optimizer.step()


optimize(torch.randn(8, 8), torch.randint(0, 4, (8,)), torch.randn(8), torch.randn(8, 8), torch.zeros(8))
