# review case: clean; the target network is frozen inside the helper that makes it
import copy
import torch
import torch.nn.functional as F
def make_target(net):
    t = copy.deepcopy(net)
    for p in t.parameters():
        p.requires_grad_(False)
    return t
q = torch.nn.Linear(4, 2)
tq = make_target(q)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
def learn(s, a, r, s2, d):
    y = r + 0.99 * tq(s2).max(1)[0] * (1 - d)
    loss = F.mse_loss(q(s).gather(1, a).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
