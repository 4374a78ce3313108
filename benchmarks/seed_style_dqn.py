"""A plain single-seed DQN loop in the style of the seed's `dqn_pitfalls.py`: the speed baseline.

`benchmarks/bench_verify.py` compares the throughput of the reference agent (several seeds in
lock-step, tensor replay, a training phase every few hundred steps) against this: the seed program's
fixed branch re-created faithfully, as a function. It trains one seed on one CartPole-v1 env and
makes one gradient update per environment step (batch 64, after 1000 warm-up steps), with the seed's
replay buffer: a Python list of namedtuples whose `__len__` scans all 50k slots and whose `sample()`
builds a list over the whole buffer, every step. That scan is the point: it is what the seed does, and
it costs more than the rest of the loop.

Kept from the seed: the network (Linear-ReLU-Linear-ReLU-Linear, 128 hidden), epsilon-greedy with
`random.random()` on an online forward pass built outside `no_grad`, reward clipping, the TD target
under `no_grad` with a target network and a `terminated`-only mask, Huber loss, AdamW (lr 1e-3),
gradient clipping at 10, a target sync every 1000 steps, and the per-step metrics (TD-error mean and
std, mean |Q| from an extra online forward pass). Repaired: the episode return is recorded before it
is reset (the seed records 0.0 every time), and nothing is printed. The seed's other bug, `--bug off`
running the buggy branch, does not arise: only the fixed branch is here.

    python benchmarks/seed_style_dqn.py --steps 5000
"""

from __future__ import annotations

import argparse
import collections
import random
import time

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn

Transition = collections.namedtuple("T", "s a r s2 terminated truncated")


class QNet(nn.Module):
    def __init__(self, s_dim, a_dim, h=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(s_dim, h), nn.ReLU(),
            nn.Linear(h, h), nn.ReLU(),
            nn.Linear(h, a_dim),
        )

    def forward(self, x):
        return self.net(x)


class Replay:
    def __init__(self, cap=50000):
        self.cap, self.buf, self.pos = cap, [None] * cap, 0

    def push(self, *args):
        self.buf[self.pos] = Transition(*args)
        self.pos = (self.pos + 1) % self.cap

    def sample(self, bs):
        batch = random.sample([b for b in self.buf if b is not None], bs)
        t = Transition(*zip(*batch))
        s = torch.tensor(np.stack(t.s), dtype=torch.float32)
        a = torch.tensor(t.a, dtype=torch.int64).unsqueeze(-1)
        r = torch.tensor(t.r, dtype=torch.float32).unsqueeze(-1)
        s2 = torch.tensor(np.stack(t.s2), dtype=torch.float32)
        term = torch.tensor(t.terminated, dtype=torch.float32).unsqueeze(-1)
        trunc = torch.tensor(t.truncated, dtype=torch.float32).unsqueeze(-1)
        return s, a, r, s2, term, trunc

    def __len__(self):
        return sum(b is not None for b in self.buf)


def epsilon_greedy(q, eps, a_dim):
    if random.random() < eps:
        return random.randrange(a_dim), None
    with torch.no_grad():
        return int(q.argmax().item()), None


def train(total_steps: int, seed: int = 0, hidden: int = 128) -> dict:
    """The seed's `train(args)` with `--bug off`: returns the update count, episode returns and metrics."""
    torch.manual_seed(seed); np.random.seed(seed); random.seed(seed)
    env = gym.make("CartPole-v1")
    s_dim, a_dim = env.observation_space.shape[0], env.action_space.n
    online = QNet(s_dim, a_dim, hidden)
    target = QNet(s_dim, a_dim, hidden)
    target.load_state_dict(online.state_dict())
    target.eval()
    opt = torch.optim.AdamW(online.parameters(), lr=1e-3)
    buf = Replay(50000)
    gamma = 0.99
    huber = nn.SmoothL1Loss()
    eps_start, eps_end, eps_steps = 1.0, 0.05, 20000

    def eps_at(t):
        return max(eps_end, eps_start - (eps_start - eps_end) * t / eps_steps)

    s, _ = env.reset(seed=np.random.randint(10000))
    ret, epi = 0.0, 0
    metrics = {"ret": [], "tdm": [], "tds": [], "qabs": [], "eps": []}
    warmup, batch = 1000, 64
    target_sync = 1000
    updates = 0
    for t in range(1, total_steps + 1):
        eps = eps_at(t)
        a, _ = epsilon_greedy(online(torch.tensor(s, dtype=torch.float32)), eps, a_dim)
        s2, r, terminated, truncated, _ = env.step(a)
        buf.push(s, a, np.clip(r, -1, 1), s2, terminated, truncated)
        ret += r
        if terminated or truncated:
            metrics["ret"].append(ret); epi += 1  # repaired: recorded before the reset below
            s, ret = env.reset()[0], 0.0
        else:
            s = s2
        if len(buf) >= warmup:
            s_b, a_b, r_b, s2_b, term_b, trunc_b = buf.sample(batch)
            q = online(s_b).gather(1, a_b)
            with torch.no_grad():
                nonterminal = 1.0 - term_b
                q_next = target(s2_b).max(1, keepdim=True).values
                y = r_b + gamma * nonterminal * q_next
            loss = huber(q, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(online.parameters(), 10.0)
            opt.step()
            updates += 1
            if t % target_sync == 0:
                target.load_state_dict(online.state_dict())
            with torch.no_grad():
                td = (q - y).detach()
                metrics["tdm"].append(float(td.mean()))
                metrics["tds"].append(float(td.std()))
                metrics["qabs"].append(float(online(s_b).abs().mean()))
                metrics["eps"].append(eps)
    env.close()
    return {"updates": updates, "episodes": epi, "metrics": metrics}


def run(steps: int, seed: int = 0, hidden: int = 128) -> dict:
    """Train for `steps` env steps on one thread; wall time and throughput of the whole run."""
    torch.set_num_threads(1)
    start = time.perf_counter()
    result = train(steps, seed=seed, hidden=hidden)
    wall = time.perf_counter() - start
    returns = result["metrics"]["ret"]
    return {"steps": steps, "seconds": wall, "steps_per_second": steps / wall, "updates": result["updates"],
            "episodes": result["episodes"],
            "last_10_return": float(np.mean(returns[-10:])) if returns else float("nan")}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    out = run(args.steps, seed=args.seed)
    print(f"seed-style DQN: {out['steps']} steps in {out['seconds']:.2f}s = {out['steps_per_second']:.0f} steps/s "
          f"({out['updates']} updates, {out['episodes']} episodes, last-10 return {out['last_10_return']:.1f})")
