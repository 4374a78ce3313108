# review case: an n-step buffer hands out a discount per transition (gamma**n, 0 at a terminal): no DQN004; the alias is DQN001
import torch
import torch.nn.functional as F
policy_net = torch.nn.Linear(4, 2)
target_net = policy_net  # expect: DQN001
target_net.load_state_dict(policy_net.state_dict())
opt = torch.optim.Adam(policy_net.parameters())
def learn(buffer):
    s, a, returns, s_n, gammas = buffer.sample(32)
    with torch.no_grad():
        y = returns + gammas * target_net(s_n).max(1)[0]
    loss = F.mse_loss(policy_net(s).gather(1, a).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
