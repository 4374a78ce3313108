# sweep case: DQN004 at line 21 (a recursive helper's product, as in numpy.f2py's symbolic algebra, once ended the analysis in a RecursionError)
import torch
import torch.nn.functional as F


def gamma_power(gamma, steps):
    if steps == 0:
        return 1.0
    return gamma_power(gamma, steps - 1) * gamma


def nstep_value(r, s2, target, gamma=0.99):
    with torch.no_grad():
        return r + gamma_power(gamma, 3) * target(s2).max(1).values


def learn(online, target, optimizer, batch, gamma=0.99):
    s, a, r, s2, terminated = batch
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values  # expect: DQN004
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
