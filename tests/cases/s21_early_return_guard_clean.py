# review case: clean; a helper returns the reward when the next state is None (an early-return guard is a terminal mask)
import torch
import torch.nn.functional as F
q = torch.nn.Linear(4, 2)
tq = torch.nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
def target_value(r, s2):
    if s2 is None:
        return r
    with torch.no_grad():
        return r + 0.99 * tq(s2).max()
def learn(transitions):
    for s, a, r, s2 in transitions:
        y = target_value(r, s2)
        loss = F.mse_loss(q(s)[a], torch.as_tensor(y))
        opt.zero_grad(); loss.backward(); opt.step()
