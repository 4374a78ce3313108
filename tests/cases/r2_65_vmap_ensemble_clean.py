# review case: clean (torch.func ensemble over seeds: stack_module_state + vmap(functional_call); target params are detached clones)
import copy

import torch
import torch.nn as nn
from torch.func import functional_call, stack_module_state

E, gamma = 5, 0.99
members = [nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2)) for _ in range(E)]
params, buffers = stack_module_state(members)
target_params = {k: v.detach().clone() for k, v in params.items()}
base = copy.deepcopy(members[0]).to("meta")
optimizer = torch.optim.Adam(params.values(), lr=1e-3)


def q_fn(p, b, x):
    return functional_call(base, (p, b), (x,))


def update(s, a, r, s2, term):  # s: [E, B, 4]
    q_all = torch.vmap(q_fn)(params, buffers, s)
    q = q_all.gather(2, a[..., None]).squeeze(2)
    with torch.no_grad():
        next_q = torch.vmap(q_fn)(target_params, buffers, s2).max(dim=2).values
        y = r + gamma * (1.0 - term) * next_q
    loss = ((q - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


update(torch.randn(E, 8, 4), torch.randint(0, 2, (E, 8)), torch.randn(E, 8), torch.randn(E, 8, 4), torch.zeros(E, 8))
