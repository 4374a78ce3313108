# review case: clean; a shared Q helper picks the network by a flag: the bootstrap call passes `uses_target=True`
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model:
    def __init__(self, n_obs, n_act):
        self.policy_net = nn.Linear(n_obs, n_act)
        self.target_net = nn.Linear(n_obs, n_act)
        self.target_net.load_state_dict(self.policy_net.state_dict())
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=1e-3)

    def infer(self, states, uses_target=True):
        if uses_target:
            return self.target_net(states)
        else:
            return self.policy_net(states)


def learn(model, s, a, r, s2, terminated, gamma=0.99):
    q = model.infer(s, uses_target=False).gather(1, a.unsqueeze(1)).squeeze(1)
    next_q = model.infer(s2, uses_target=True).max(1)[0].detach()
    y = r + gamma * next_q * (1 - terminated)
    loss = F.mse_loss(q, y)
    model.optimizer.zero_grad()
    loss.backward()
    model.optimizer.step()
