"""DQN004 missing-terminal-mask: a TD target bootstraps from the next state with no terminal mask.

The value of a terminal state is zero, so a TD target must drop the bootstrap term when the
transition ended the episode: `r + gamma * (1 - terminated) * max_a' Q_target(s', a')`, or any
equivalent (`torch.where`, an if-expression, an index mask over non-final states, a per-sample
discount that is zero at terminals). When the discounted bootstrap is added with no mask at all,
every terminal transition is learned as if the episode went on from the observation that followed
it, and the agent cannot learn what ending an episode is worth.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.rule import Rule, RuleDocs
from dqn_lint.experiment import Experiment, Measure, Observation, Probe, ProbeSite, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel

VALID: tuple[str, ...] = (
    # A (1 - done) factor.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    q = online(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * target(next_states).max(1)[0] * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # (1 - done.float()) in an agent class.
    """\
import copy

import torch
from torch import nn


class Agent:
    def __init__(self, net, gamma=0.99):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-4)

    def learn(self, s, a, r, s2, terminated):
        q_sa = self.q(s).gather(1, a.view(-1, 1)).squeeze(1)
        with torch.no_grad():
            q_next = self.q_target(s2).max(dim=1).values
            target = r + self.gamma * q_next * (1 - terminated.float())
        loss = nn.functional.smooth_l1_loss(q_sa, target)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
""",
    # ~done on a bool tensor.
    """\
import copy

import torch as th
import torch.nn.functional as F

q_net = th.nn.Sequential(th.nn.Linear(8, 64), th.nn.ReLU(), th.nn.Linear(64, 4))
q_target = copy.deepcopy(q_net)
opt = th.optim.Adam(q_net.parameters(), lr=5e-4)
gamma = 0.99


def update(obs, act, rew, next_obs, term):
    with th.no_grad():
        next_v = th.max(q_target(next_obs), 1)[0]
        td_target = rew + gamma * next_v * ~term
    q = q_net(obs).gather(1, act).squeeze(1)
    loss = F.smooth_l1_loss(q, td_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # A `not_done` column from the buffer.
    """\
import copy

import torch
import torch.nn.functional as F


def train(replay, q_net, iterations, batch_size=256, discount=0.99):
    q_target = copy.deepcopy(q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=3e-4)
    for it in range(iterations):
        state, action, reward, next_state, not_done = replay.sample(batch_size)
        with torch.no_grad():
            target_q = q_target(next_state).max(1, keepdim=True)[0]
            target_q = reward + not_done * discount * target_q
        current_q = q_net(state).gather(1, action)
        loss = F.mse_loss(current_q, target_q)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if it % 1000 == 0:
            q_target.load_state_dict(q_net.state_dict())
""",
    # torch.where(done, r, r + gamma * q).
    """\
import copy

import torch
import torch.nn.functional as F

q = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_targ = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, done):
    with torch.no_grad():
        next_q = q_targ(s2).max(1).values
        y = torch.where(done, r, r + gamma * next_q)
    pred = q(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # An if-expression per transition.
    """\
import copy
import random

import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(4, 24), torch.nn.ReLU(), torch.nn.Linear(24, 2))
target_model = copy.deepcopy(model)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
gamma = 0.95


def replay(memory, batch_size=32):
    for state, action, reward, next_state, done in random.sample(memory, batch_size):
        with torch.no_grad():
            target = reward if done else reward + gamma * target_model(next_state).max(1)[0].item()
        loss = F.mse_loss(model(state)[0, action], torch.tensor(target))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # `if not done:` guards the bootstrap in a per-transition loop.
    """\
import copy

import torch
import torch.nn.functional as F


class Learner:
    def __init__(self, model, gamma=0.99):
        self.model = model
        self.target_model = copy.deepcopy(model)
        self.gamma = gamma
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=1e-2)

    def learn(self, minibatch):
        losses = []
        for s, a, r, s2, done in minibatch:
            y = torch.tensor(r, dtype=torch.float32)
            if not done:
                with torch.no_grad():
                    y = r + self.gamma * self.target_model(s2).max(1)[0][0]
            losses.append(F.mse_loss(self.model(s)[0, a], y))
        loss = torch.stack(losses).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # The PyTorch tutorial: only non-final next states get a bootstrap value.
    """\
from collections import namedtuple

import torch
import torch.nn as nn

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))
BATCH_SIZE = 128
GAMMA = 0.99


def optimize_model(memory, policy_net, target_net, optimizer):
    batch = Transition(*zip(*memory.sample(BATCH_SIZE)))
    non_final_mask = torch.tensor(tuple(s is not None for s in batch.next_state), dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
    state_batch = torch.cat(batch.state)
    action_batch = torch.cat(batch.action)
    reward_batch = torch.cat(batch.reward)
    state_action_values = policy_net(state_batch).gather(1, action_batch)
    next_state_values = torch.zeros(BATCH_SIZE)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
    expected_state_action_values = (next_state_values * GAMMA) + reward_batch
    criterion = nn.SmoothL1Loss()
    loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # next_q[done] = 0.0 before the target.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(6, 128), torch.nn.ReLU(), torch.nn.Linear(128, 3))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, done):
    with torch.no_grad():
        next_q = target(s2).max(1)[0]
        next_q[done] = 0.0
        y = r + gamma * next_q
    q = online(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # masked_fill on the bootstrap values, Double DQN.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    with torch.no_grad():
        best = online(s2).argmax(1, keepdim=True)
        next_q = target(s2).gather(1, best).squeeze(1).masked_fill(terminated, 0)
        y = r + gamma * next_q
    q = online(s).gather(1, a).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The bootstrap values are masked on an earlier line.
    """\
import copy

import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4))
target_net = copy.deepcopy(net)
optimizer = torch.optim.RMSprop(net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(batch):
    s, a, r, s2, d = batch
    with torch.no_grad():
        next_q, _ = target_net(s2).max(1)
        next_q = next_q * (1 - d)
    expected = r + GAMMA * next_q
    loss = nn.functional.mse_loss(net(s).gather(1, a).squeeze(1), expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A discount vector that already holds the mask, n-step.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(8, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99
n_step = 3


def learn(obs, act, returns, obs_n, dones):
    discounts = (gamma ** n_step) * (1 - dones)
    with torch.no_grad():
        q_next = target(obs_n).amax(1)
    y = returns + discounts * q_next
    q = online(obs).gather(1, act).squeeze(1)
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A per-sample discount field (zero at terminal transitions) in a namedtuple batch.
    """\
import copy
from collections import namedtuple

import torch
import torch.nn.functional as F

Batch = namedtuple("Batch", "obs action reward discount next_obs")


def make_batch(transitions, gamma=0.99):
    obs, action, reward, terminated, next_obs = zip(*transitions)
    discount = [0.0 if t else gamma for t in terminated]
    return Batch(torch.stack(obs), torch.tensor(action), torch.tensor(reward), torch.tensor(discount),
                 torch.stack(next_obs))


def learn(online, target, optimizer, batch):
    with torch.no_grad():
        q_next = target(batch.next_obs).max(1)[0]
    y = batch.reward + batch.discount * q_next
    q = online(batch.obs).gather(1, batch.action[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


net = torch.nn.Linear(4, 2)
target_net = copy.deepcopy(net)
""",
    # A `masks` factor from the rollout.
    """\
import copy

import torch
import torch.nn.functional as F


class DQN:
    def __init__(self, q_net, gamma=0.99):
        self.q_net = q_net
        self.target_net = copy.deepcopy(q_net)
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=1e-4)

    def update(self, states, actions, rewards, next_states, dones):
        masks = 1 - dones
        with torch.no_grad():
            next_q = self.target_net(next_states).max(1)[0]
        targets = rewards + self.gamma * masks * next_q
        q = self.q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # Actor-critic r + gamma * V(s'): no max or gather over actions, so not a DQN TD target.
    """\
import torch
import torch.nn.functional as F
from torch import nn

critic = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
gamma = 0.99


def continuing_td0(s, r, s2):
    v = critic(s).squeeze(-1)
    with torch.no_grad():
        td_target = r + gamma * critic(s2).squeeze(-1)
    loss = F.mse_loss(v, td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # C51: the support term masked with the non-terminal flag
    """\
import copy

import torch
import torch.nn as nn

ATOMS, V_MIN, V_MAX = 51, -10.0, 10.0


class C51(nn.Module):
    def __init__(self, n_actions):
        super().__init__()
        self.n_actions = n_actions
        self.body = nn.Linear(4, n_actions * ATOMS)
        self.register_buffer("support", torch.linspace(V_MIN, V_MAX, ATOMS))

    def forward(self, x):
        return self.body(x).view(-1, self.n_actions, ATOMS).softmax(2)


online = C51(2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    states, actions, rewards, next_states, terminated = buffer.sample(32)
    delta_z = (V_MAX - V_MIN) / (ATOMS - 1)
    with torch.no_grad():
        next_dist = target(next_states)
        next_dist = next_dist[range(32), (next_dist * target.support).sum(2).argmax(1)]
        tz = rewards.unsqueeze(1) + gamma * (1 - terminated.unsqueeze(1)) * target.support.unsqueeze(0)
        b = (tz.clamp(V_MIN, V_MAX) - V_MIN) / delta_z
        lower, upper = b.floor().long(), b.ceil().long()
        offset = (torch.arange(32) * ATOMS).unsqueeze(1).expand(32, ATOMS)
        m = torch.zeros(32, ATOMS)
        m.view(-1).index_add_(0, (lower + offset).view(-1), (next_dist * (upper.float() - b)).view(-1))
        m.view(-1).index_add_(0, (upper + offset).view(-1), (next_dist * (b - lower.float())).view(-1))
    log_p = online(states)[range(32), actions].log()
    loss = -(m * log_p).sum(1).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
)

INVALID: tuple[str, ...] = (
    # The dones are passed in and never used.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    q = online(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * target(next_states).max(1)[0]  # expect
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Agent class: the bootstrap values are computed first, then added unmasked.
    """\
import copy

import torch
import torch.nn as nn


class DQNAgent:
    def __init__(self, policy_net, gamma=0.99):
        self.policy_net = policy_net
        self.target_net = copy.deepcopy(policy_net)
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=1e-4)
        self.gamma = gamma

    def learn(self, batch):
        states, actions, rewards, next_states, dones = batch
        with torch.no_grad():
            next_q = self.target_net(next_states).max(dim=1).values
        expected = rewards + self.gamma * next_q  # expect
        q = self.policy_net(states).gather(1, actions).squeeze(1)
        loss = nn.functional.smooth_l1_loss(q, expected)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # A target written over several lines, discount from argparse.
    """\
import argparse
import copy

import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--gamma", type=float, default=0.99)
args = parser.parse_args()
online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(states, actions, rewards, next_states):
    q = online(states).gather(1, actions).squeeze(1)
    with torch.no_grad():
        y = rewards + args.gamma * (  # expect
            target(next_states).max(1)[0]
        )
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `+=` onto a copy of the rewards.
    """\
import copy

import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    with torch.no_grad():
        next_q = target_net(s2).max(1)[0]
        target_q = r.clone()
        target_q += gamma * next_q  # expect
    q = q_net(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, target_q)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # n-step return with gamma ** n and no mask.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(8, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
tgt = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99
n_step = 3


def learn(obs, act, returns, obs_n, done_n):
    with torch.no_grad():
        y = returns + (gamma ** n_step) * tgt(obs_n).amax(1)  # expect
    q = online(obs).gather(1, act).squeeze(1)
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Double DQN without a mask.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2):
    with torch.no_grad():
        best = online(s2).argmax(1, keepdim=True)
        y = r + gamma * target(s2).gather(1, best).squeeze(1)  # expect
    q = online(s).gather(1, a).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Dueling network, torch imported as th, torch.max(q, 1)[0].
    """\
import copy

import torch as th
import torch.nn.functional as F


class Dueling(th.nn.Module):
    def __init__(self, n_obs, n_actions):
        super().__init__()
        self.body = th.nn.Sequential(th.nn.Linear(n_obs, 128), th.nn.ReLU())
        self.v = th.nn.Linear(128, 1)
        self.a = th.nn.Linear(128, n_actions)

    def forward(self, x):
        h = self.body(x)
        adv = self.a(h)
        return self.v(h) + adv - adv.mean(1, keepdim=True)


q_net = Dueling(8, 4)
target_net = copy.deepcopy(q_net)
opt = th.optim.Adam(q_net.parameters(), lr=2.5e-4)
gamma = 0.99


def learn(obs, actions, rewards, next_obs, terminations):
    with th.no_grad():
        td_target = rewards + gamma * th.max(target_net(next_obs), 1)[0]  # expect
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, td_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # Per-transition loop: `done` is unpacked and ignored.
    """\
import copy
import random

import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(4, 24), torch.nn.ReLU(), torch.nn.Linear(24, 2))
target_model = copy.deepcopy(model)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
gamma = 0.95


def replay(memory, batch_size=32):
    for state, action, reward, next_state, done in random.sample(memory, batch_size):
        with torch.no_grad():
            target = reward + gamma * target_model(next_state).max(1)[0].item()  # expect
        loss = F.mse_loss(model(state)[0, action], torch.tensor(target))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # The dones reach the learner but are only counted for logging.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99
episodes_seen = 0


def learn(buffer):
    global episodes_seen
    s, a, r, s2, d = buffer.sample(64)
    episodes_seen += int(d.sum())
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0]  # expect
    q = online(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `v, _ = q.max(1)` unpacking.
    """\
import copy

import torch
import torch.nn.functional as F


def train(replay, q_net, iterations, gamma=0.99):
    q_target = copy.deepcopy(q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=3e-4)
    for it in range(iterations):
        s, a, r, s2, d = replay.sample(256)
        with torch.no_grad():
            v_next, _ = q_target(s2).max(1)
            y = r + gamma * v_next  # expect
        loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if it % 1000 == 0:
            q_target.load_state_dict(q_net.state_dict())
""",
    # Indexing q[range(n), idx] for the Double DQN bootstrap.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    with torch.no_grad():
        best = online(s2).argmax(1)
        next_q = target(s2)[range(len(best)), best]
        y = r + gamma * next_q  # expect
    q = online(s)[range(len(a)), a]
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # keepdim and a reward column.
    """\
import copy

import torch
import torch.nn as nn

policy_net = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4))
target_net = copy.deepcopy(policy_net)
optimizer = torch.optim.RMSprop(policy_net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(states, actions, rewards, next_states):
    q_values = policy_net(states).gather(1, actions)
    with torch.no_grad():
        expected = rewards.unsqueeze(1) + GAMMA * target_net(next_states).max(1, keepdim=True)[0]  # expect
    loss = nn.functional.mse_loss(q_values, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A mask is computed but never applied.
    """\
import copy

import torch
import torch.nn.functional as F


class DQN:
    def __init__(self, q_net, gamma=0.99):
        self.q_net = q_net
        self.target_net = copy.deepcopy(q_net)
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=1e-4)

    def update(self, states, actions, rewards, next_states, dones):
        masks = 1 - dones
        with torch.no_grad():
            next_q = self.target_net(next_states).max(1)[0]
        targets = rewards + self.gamma * next_q  # expect
        q = self.q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # Two branches: the Double DQN branch is masked, the plain one forgot.
    """\
import copy

import torch
import torch.nn.functional as F


class Learner:
    def __init__(self, q_net, double=True, gamma=0.99):
        self.q_net = q_net
        self.target_net = copy.deepcopy(q_net)
        self.double = double
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=1e-4)

    def learn(self, s, a, r, s2, d):
        with torch.no_grad():
            if self.double:
                best = self.q_net(s2).argmax(1, keepdim=True)
                q_next = self.target_net(s2).gather(1, best).squeeze(1)
                y = r + self.gamma * q_next * (1 - d)
            else:
                y = r + self.gamma * self.target_net(s2).max(1)[0]  # expect
        loss = F.smooth_l1_loss(self.q_net(s).gather(1, a).squeeze(1), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # The PyTorch tutorial's mask, `s is not None`, over next states that are never None.
    """\
import random
from collections import deque, namedtuple

import gymnasium as gym
import torch

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))
env = gym.make("CartPole-v1")
policy_net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
target_net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4)
memory = deque([], maxlen=10_000)


def optimize_model():
    batch = Transition(*zip(*random.sample(memory, 128)))
    non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
    next_state_values = torch.zeros(128)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
    expected = next_state_values * 0.99 + torch.cat(batch.reward)  # expect
    q = policy_net(torch.cat(batch.state)).gather(1, torch.cat(batch.action)).squeeze(1)
    loss = torch.nn.functional.smooth_l1_loss(q, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for episode in range(600):
    state = torch.tensor(env.reset()[0], dtype=torch.float32).unsqueeze(0)
    while True:
        action = torch.tensor([[env.action_space.sample()]])
        observation, reward, terminated, truncated, _ = env.step(action.item())
        next_state = torch.tensor(observation, dtype=torch.float32).unsqueeze(0)
        memory.append(Transition(state, action, next_state, torch.tensor([reward])))
        state = next_state
        if len(memory) >= 128:
            optimize_model()
        if terminated or truncated:
            break
""",
    # C51: `r + gamma * support` with no terminal mask: every episode's end bootstraps
    """\
import copy

import torch
import torch.nn as nn

ATOMS, V_MIN, V_MAX = 51, -10.0, 10.0


class C51(nn.Module):
    def __init__(self, n_actions):
        super().__init__()
        self.n_actions = n_actions
        self.body = nn.Linear(4, n_actions * ATOMS)
        self.register_buffer("support", torch.linspace(V_MIN, V_MAX, ATOMS))

    def forward(self, x):
        return self.body(x).view(-1, self.n_actions, ATOMS).softmax(2)


online = C51(2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    states, actions, rewards, next_states, terminated = buffer.sample(32)
    delta_z = (V_MAX - V_MIN) / (ATOMS - 1)
    with torch.no_grad():
        next_dist = target(next_states)
        next_dist = next_dist[range(32), (next_dist * target.support).sum(2).argmax(1)]
        tz = rewards.unsqueeze(1) + gamma * target.support.unsqueeze(0)  # expect: DQN004
        b = (tz.clamp(V_MIN, V_MAX) - V_MIN) / delta_z
        lower, upper = b.floor().long(), b.ceil().long()
        offset = (torch.arange(32) * ATOMS).unsqueeze(1).expand(32, ATOMS)
        m = torch.zeros(32, ATOMS)
        m.view(-1).index_add_(0, (lower + offset).view(-1), (next_dist * (upper.float() - b)).view(-1))
        m.view(-1).index_add_(0, (upper + offset).view(-1), (next_dist * (b - lower.float())).view(-1))
    log_p = online(states)[range(32), actions].log()
    loss = -(m * log_p).sum(1).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A TD target whose discounted bootstrap no terminal flag can zero."""
    for target in model.td_targets:
        if not target.discount_is_scalar:
            continue
        if target.actor_critic and not target.masks:
            continue  # continuous control often never terminates (Pendulum): no mask is needed there
        if target.masks:
            yield from _masks_that_never_mask(model, target)
            continue
        yield model.finding(
            RULE.code,
            RULE.name,
            target.node,
            f"This TD target adds the discounted bootstrap `{model.code(target.bootstrap_term)}` with no terminal mask: "
            "value leaks through the end of every episode, so terminal states look as good as the states after "
            "them. Multiply the bootstrap by `(1 - terminated)`.",
            Severity.ERROR,
            fix=_fix(model, target),
        )


def _masks_that_never_mask(model: ProgramModel, target) -> Iterator[Finding]:
    """The PyTorch tutorial's mask, `s is not None`, over next states that are never None (each one
    a new tensor): it is always true, so no transition is terminal to the TD target."""
    from dqn_lint.model.flags import NEVER_SET

    sources = [model.mask_sources(mask) for mask in target.masks]
    if not all(source and all(flag.kind == NEVER_SET for flag in source) for source in sources):
        return
    mask = target.masks[0]
    yield model.finding(
        RULE.code,
        RULE.name,
        target.node,
        f"This TD target's terminal mask `{model.code(mask.node)}` keeps the next states that are not None, but "
        "no next state stored is ever None: the mask is always true, so value leaks through the end of every "
        "episode. Store `None` as the next state when `terminated`, as the PyTorch tutorial does.",
        Severity.ERROR,
        related=[("this mask is always true", mask.node)],
        fix=Fix(
            Applicability.DISPLAY_ONLY,
            "Store `next_state = None if terminated else <the next observation>`, so that `s is not None` is false "
            "exactly at terminal transitions.",
        ),
    )


def _fix(model: ProgramModel, target) -> Fix:
    """Multiply the bootstrap term by `(1 - flag)` with a terminal flag bound before the target.

    Unsafe: the target of every terminal transition changes, and a bool tensor flag needs
    `.float()` first. With no flag in scope the advice is display-only.
    """
    from dqn_lint.fixes.builders import insert_after

    if target.distributional:
        return Fix(
            Applicability.DISPLAY_ONLY,
            "Multiply the support term by the non-terminal flag with an atoms dimension: "
            f"`{model.code(target.bootstrap_term)} * (1 - terminated).unsqueeze(1)`.",
        )
    terminal = model.terminal_flag(target)
    flag, proven = (terminal.name, terminal.proven) if terminal is not None else (None, False)
    if flag is None:
        return Fix(
            Applicability.DISPLAY_ONLY,
            "Store `terminated` (slot 2 of `env.step`) with each transition and multiply the bootstrap by "
            "`(1 - terminated)`.",
        )
    edits = (insert_after(model.source, target.bootstrap_term, f" * (1 - {flag})"),)
    how = (
        "it carries `terminated` from `env.step`"
        if proven
        else "its name says it marks terminal transitions; check that it excludes time-limit truncation"
    )
    return Fix(Applicability.UNSAFE, f"Multiply the bootstrap by `(1 - {flag})`: {how}.", edits)


EXPERIMENT = Experiment(
    twin="dqn004_missing_terminal_mask",
    mechanism=(Probe.TERMINAL_BOOTSTRAPS,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("q_abs", "mean |Q|", "higher"),
    ),
    expectation=(
        "Value leaks through every episode end, so failing looks as good as going on: a published "
        "mutation study saw CartPole DQN fall from about 414 to 14 mean return over 20 seeds."
    ),
)

RULE = Rule(
    code="DQN004",
    name="missing-terminal-mask",
    severity=Severity.ERROR,
    summary="The TD target adds the discounted bootstrap value with no terminal mask.",
    docs=RuleDocs(
        what_it_does="""
Checks that every TD target `reward + discount * bootstrap` has a termination mask on its bootstrap
term. Any mask shape counts: a `(1 - done)`, `~done` or `not_done` factor, `torch.where(done, r, ...)`,
an if-expression or an `if not done:` guard, an index mask over non-final next states,
`next_q[done] = 0` or `masked_fill`, a bootstrap masked on an earlier line, or a per-sample discount
that already holds the mask. Reports the line where the TD target expression starts. An
actor-critic critic's target (`r + gamma * critic_t(s2, actor_t(s2))`, DDPG, TD3, SAC) with no mask
is left alone: continuous-control tasks often never end (Pendulum), and there no mask is right.
""",
        why_is_this_bad="""
A terminal state has no future, so its value is zero and the target of the last transition of an
episode must be just `r`. Without the mask the target is `r + gamma * max_a' Q(s', a')`, where `s'`
is whatever observation the environment returned at the end (or the first observation of the next
episode, with auto-resetting vector environments). The agent then learns that ending the episode is
worth as much as continuing it. With a reward of +1 per step (CartPole) falling over looks exactly
as good as balancing, so the greedy policy has nothing to prefer; with a reward only at a goal, the
value of reaching it is mixed with the arbitrary value of a state the agent never acts from. The values
stay wrong however long the agent trains, which is why such code runs but does not learn.
""",
        example="""
with torch.no_grad():
    next_q = target(next_states).max(1).values
    y = rewards + gamma * next_q  # terminal transitions bootstrap too
loss = F.smooth_l1_loss(online(states).gather(1, actions).squeeze(1), y)
""",
        use_instead="""
with torch.no_grad():
    next_q = target(next_states).max(1).values
    y = rewards + gamma * next_q * (1 - terminated)
loss = F.smooth_l1_loss(online(states).gather(1, actions).squeeze(1), y)
""",
        fix_safety="""
The fix needs a terminal flag that comes with the target's rewards: unpacked from the same batch
tuple, or a parameter next to the rewards. It prefers a flag the dataflow traces to `terminated` of
`env.step`. Failing that, it takes one whose name marks terminals (`done`, `dones`, `terminated`,
`terminal`, ...) and whose trace shows no truncation, and the fix message says the flag is only
presumed. The fix appends `* (1 - <flag>)` to the bootstrap term (a bool tensor flag needs
`.float()` first). It is unsafe: it changes the target of every terminal transition, and the
tool cannot prove that the flag it found marks termination (rather than truncation, see DQN003) for
the same transitions. When no flag is in scope the fix is display-only advice: store `terminated`
in the replay buffer with each transition and mask the bootstrap with it.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (Algorithm 1: y_j = r_j for terminal phi_j+1)",
            'Gymnasium docs, "Handling Time Limits", '
            "https://gymnasium.farama.org/tutorials/gymnasium_basics/handling_time_limits/",
            "PyTorch tutorial, Reinforcement Learning (DQN), "
            "https://pytorch.org/tutorials/intermediate/reinforcement_q_learning.html",
            "Stable-Baselines3 DQN, https://stable-baselines3.readthedocs.io/en/master/modules/dqn.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.BOOTSTRAP_TERM, Observation.BOOTSTRAP_MASKED, "the bootstrap is never masked"),
)
