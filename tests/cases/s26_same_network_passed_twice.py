# review case: the same network passed as online and target to a helper (target_net = policy_net, then a sync on one object)
import gymnasium as gym
import torch
import torch.nn.functional as F

def optimize(policy_net, target_net, optimizer, batch, gamma=0.99):
    s, a, r, s2, term = batch
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - term)
    q = policy_net(s).gather(1, a[:, None]).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

policy_net = torch.nn.Linear(4, 2)
target_net = policy_net  # expect: DQN001
target_net.load_state_dict(policy_net.state_dict())
optimizer = torch.optim.Adam(policy_net.parameters())
def run_epoch(batches):
    for batch in batches:
        optimize(policy_net, target_net, optimizer, batch)
