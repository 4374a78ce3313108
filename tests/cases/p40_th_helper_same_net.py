# review case: DQN001 at line 54
import copy

import numpy as np
import torch as th
from torch import nn
from torch.nn import functional as F


def make_q(obs_dim, n_actions):
    return nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_actions))


@th.no_grad()
def compute_targets(target_q, rewards, next_obs, terminated, gamma):
    next_values = target_q(next_obs).max(dim=-1).values
    return rewards + gamma * next_values * (1.0 - terminated)


def polyak(target_q, q, tau):
    with th.no_grad():
        for tp, p in zip(target_q.parameters(), q.parameters()):
            tp.lerp_(p, tau)


def train_step(q, target_q, optim, batch, gamma=0.99, tau=0.005):
    obs, actions, rewards, next_obs, terminated = batch
    y = compute_targets(target_q, rewards, next_obs, terminated, gamma)
    q_sa = q(obs).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    loss = F.huber_loss(q_sa, y)
    optim.zero_grad(set_to_none=True)
    loss.backward()
    optim.step()
    polyak(target_q, q, tau)
    return loss.item()


def main(env, steps=10000):
    q = make_q(4, 2)
    target_q = copy.deepcopy(q)
    optim = th.optim.RMSprop(q.parameters(), lr=5e-4)
    data = []
    obs, _ = env.reset()
    for t in range(steps):
        a = int(env.action_space.sample())
        nxt, r, term, trunc, _ = env.step(a)
        data.append((obs, a, r, nxt, float(term)))
        obs = env.reset()[0] if (term or trunc) else nxt
        if len(data) >= 64:
            idx = np.random.randint(len(data), size=64)
            cols = list(zip(*[data[i] for i in idx]))
            batch = [th.as_tensor(np.array(c), dtype=th.float32) for c in cols]
            batch[1] = batch[1].long()
            train_step(q, q, optim, batch)  # expect: DQN001
