# review case: DQN005 at line 14. No `.backward()` and no optimizer in the file (a Lightning-style
# step returns its loss): the loss is a call of an `nn.SmoothL1Loss` object, and only that shows
# which network is the trained one.
import torch
import torch.nn as nn

criterion = nn.SmoothL1Loss()


def td_loss(online, batch, gamma=0.99):
    s, a, r, s2, terminated = batch
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        best = online(s2).max(1).values  # expect: DQN005
        y = r + gamma * best * (1 - terminated)
    return criterion(q, y)
