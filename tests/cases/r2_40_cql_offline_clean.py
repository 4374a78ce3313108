# review case: clean (offline CQL(H) on a DQN backbone; D4RL-style dataset with separate terminals and timeouts)
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
dataset = {
    "observations": rng.normal(size=(1000, 4)).astype(np.float32),
    "actions": rng.integers(0, 2, size=1000),
    "rewards": rng.normal(size=1000).astype(np.float32),
    "next_observations": rng.normal(size=(1000, 4)).astype(np.float32),
    "terminals": np.zeros(1000, dtype=np.float32),
    "timeouts": np.zeros(1000, dtype=np.float32),
}
q = nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 2))
q_target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=3e-4)
gamma, cql_alpha = 0.99, 1.0

for step in range(1000):
    idx = rng.integers(0, 1000, size=256)
    s = torch.as_tensor(dataset["observations"][idx])
    a = torch.as_tensor(dataset["actions"][idx])
    r = torch.as_tensor(dataset["rewards"][idx])
    s2 = torch.as_tensor(dataset["next_observations"][idx])
    d = torch.as_tensor(dataset["terminals"][idx])
    with torch.no_grad():
        y = r + gamma * (1 - d) * q_target(s2).max(1).values
    q_all = q(s)
    q_sa = q_all.gather(1, a[:, None]).squeeze(1)
    cql_term = (torch.logsumexp(q_all, dim=1) - q_sa).mean()
    loss = F.mse_loss(q_sa, y) + cql_alpha * cql_term
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 0:
        q_target.load_state_dict(q.state_dict())
