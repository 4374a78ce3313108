# review case: clean; the aliasing "target" entry of the dict is replaced by a deep copy before any use
import copy
import torch

q = torch.nn.Linear(4, 2)
nets = {"online": q, "target": q}
nets["target"] = copy.deepcopy(q)
opt = torch.optim.Adam(nets["online"].parameters())
gamma = 0.99


def update(s, a, r, s2, d):
    with torch.no_grad():
        y = r + gamma * nets["target"](s2).max(1).values * (1 - d)
    loss = ((nets["online"](s).gather(1, a[:, None]).squeeze(1) - y) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
