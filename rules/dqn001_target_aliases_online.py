"""DQN001 target-aliases-online: the target network is the online network under another name.

A DQN computes its TD target with a separate, slowly updated copy of the trained network. When the
"target network" is bound to the same object as the trained network (`target = online`, chained or
tuple assignment, `copy.copy`, a module shared by both, the same network passed for both roles of a
helper), it has a different name but the same parameters: the target moves with every optimizer
step, the `load_state_dict` syncs and soft updates silently do nothing, and the training runs as if
there were no target network at all, while the code looks as if there were one.
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
    # A deep copy has its own parameters; a hard sync every 1000 steps.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def train_step(states, actions, rewards, next_states, dones, step):
    q = online(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * target(next_states).max(1)[0] * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
""",
    # Two constructor calls and a load_state_dict: two sets of parameters.
    """\
import torch as th
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, n_obs, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_obs, 64), nn.ReLU(), nn.Linear(64, n_actions))

    def forward(self, x):
        return self.net(x)


q_network = QNetwork(8, 4)
target_network = QNetwork(8, 4)
target_network.load_state_dict(q_network.state_dict())
optimizer = th.optim.Adam(q_network.parameters(), lr=2.5e-4)
gamma = 0.99


def update(obs, actions, rewards, next_obs, dones):
    with th.no_grad():
        target_max, _ = target_network(next_obs).max(dim=1)
        td_target = rewards + gamma * target_max * (1 - dones)
    old_val = q_network(obs).gather(1, actions).squeeze()
    loss = F.mse_loss(td_target, old_val)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Agent class: deepcopy (imported under another name) in __init__, sync in update_target.
    """\
from copy import deepcopy as clone

import torch
from torch import nn, optim


class DQNAgent:
    def __init__(self, q_net, gamma=0.99):
        self.q = q_net
        self.q_target = clone(q_net)
        self.optimizer = optim.Adam(self.q.parameters(), lr=5e-4)
        self.gamma = gamma

    def learn(self, s, a, r, s2, done):
        q_sa = self.q(s).gather(1, a.view(-1, 1)).squeeze(1)
        with torch.no_grad():
            q_next = self.q_target(s2).max(dim=1).values
            target = r + self.gamma * (1 - done) * q_next
        loss = nn.functional.smooth_l1_loss(q_sa, target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def update_target(self):
        self.q_target.load_state_dict(self.q.state_dict())
""",
    # Soft (Polyak) update of a deep copy.
    """\
import copy

import torch
import torch.nn.functional as F

gamma = 0.99
tau = 0.005


def make_agent(net):
    return net, copy.deepcopy(net), torch.optim.Adam(net.parameters(), lr=1e-3)


online, target, optimizer = make_agent(torch.nn.Linear(4, 2))


def learn(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - d)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for tp, p in zip(target.parameters(), online.parameters()):
            tp.mul_(1 - tau).add_(tau * p)
""",
    # A helper receives the two networks; every call site passes two different ones.
    """\
import copy

import torch
import torch.nn.functional as F


def td_loss(online, target, batch, gamma=0.99):
    s, a, r, s2, done = batch
    q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - done)
    return F.mse_loss(q, y)


def train(net, buffer, steps, batch_size=32):
    target_net = copy.deepcopy(net)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for step in range(steps):
        loss = td_loss(net, target_net, buffer.sample(batch_size))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 500 == 0:
            target_net.load_state_dict(net.state_dict())
""",
    # Double DQN: the online network only picks the argmax; the separate target evaluates it.
    """\
import copy

import torch
import torch.nn.functional as F
from torch import nn

q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_q_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def double_dqn_update(s, a, r, s2, terminated):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        best = q_net(s2).argmax(dim=1, keepdim=True)
        next_q = target_q_net(s2).gather(1, best).squeeze(1)
        y = r + gamma * next_q * (1 - terminated.float())
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Supervised regression: `target_model` is an alias, but there is no TD target at all.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))
target_model = model
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.99)


def fit(loader, epochs):
    for _ in range(epochs):
        for x, y in loader:
            loss = F.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
    torch.save(target_model.state_dict(), "model.pt")
""",
    # Actor-critic: r + gamma * V(s') has no max or gather over actions, so it is not a DQN TD target.
    """\
import torch
import torch.nn.functional as F
from torch import nn

critic = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1))
critic_target = critic
actor = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=7e-4)
gamma = 0.99


def a2c_update(s, log_prob, r, s2, done):
    v = critic(s).squeeze(-1)
    with torch.no_grad():
        v_next = critic_target(s2).squeeze(-1)
    td_target = r + gamma * v_next * (1 - done)
    advantage = td_target - v
    loss = -(log_prob * advantage.detach()).mean() + F.mse_loss(v, td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Two names for the trained network is fine; only the target must be a different object.
    """\
import copy

import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(6, 128), nn.ReLU(), nn.Linear(128, 3))
online = net
target = copy.deepcopy(net)
opt = torch.optim.RMSprop(net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(states, actions, rewards, next_states, dones):
    q_values = online(states).gather(1, actions)
    with torch.no_grad():
        next_values = target(next_states).max(1, keepdim=True)[0]
    expected = rewards + GAMMA * next_values * (1 - dones)
    loss = nn.functional.mse_loss(q_values, expected)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # A factory called twice builds two independent networks.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_q(obs_dim, n_actions):
    return nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU(), nn.Linear(256, n_actions))


class Learner:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.policy_net = make_q(obs_dim, n_actions)
        self.target_net = make_q(obs_dim, n_actions)
        self.target_net.load_state_dict(self.policy_net.state_dict())
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=1e-4)
        self.gamma = gamma

    def learn(self, batch):
        state, action, reward, next_state, done = batch
        q = self.policy_net(state).gather(1, action).squeeze(1)
        with torch.no_grad():
            next_q = torch.max(self.target_net(next_state), 1)[0]
        loss = F.smooth_l1_loss(q, reward + self.gamma * next_q * (1 - done))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def update_target(self):
        self.target_net.load_state_dict(self.policy_net.state_dict())
""",
    # Both constructors receive the same config dict, which is not a module: nothing is shared.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class DuelingQNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(cfg["obs"], cfg["hidden"]), nn.ReLU())
        self.value = nn.Linear(cfg["hidden"], 1)
        self.advantage = nn.Linear(cfg["hidden"], cfg["actions"])

    def forward(self, x):
        h = self.body(x)
        adv = self.advantage(h)
        return self.value(h) + adv - adv.mean(dim=1, keepdim=True)


cfg = {"obs": 8, "hidden": 128, "actions": 4}
online = DuelingQNet(cfg)
target = DuelingQNet(cfg)
target.load_state_dict(online.state_dict())
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99


def learn(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * (1 - d) * target(s2).amax(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # An alias used only for acting; the bootstrap network is a separate copy.
    """\
import copy
import random

import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
behaviour_net = q_net
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


@torch.no_grad()
def act(obs, eps):
    if random.random() < eps:
        return random.randrange(2)
    return int(behaviour_net(obs).argmax())


def learn(s, a, r, s2, d):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - d)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A frozen deep copy inside an nn.Module agent, n-step return with gamma ** n.
    """\
import copy

import torch
import torch.nn as nn


class NStepDQN(nn.Module):
    def __init__(self, model, gamma=0.99, n_step=3):
        super().__init__()
        self.model = model
        self.target_model = copy.deepcopy(model).requires_grad_(False)
        self.gamma = gamma
        self.n_step = n_step
        self.optim = torch.optim.Adam(self.model.parameters(), lr=6.25e-5)

    def update(self, obs, action, returns, next_obs, done):
        q = self.model(obs).gather(1, action.unsqueeze(1)).squeeze(1)
        next_q = self.target_model(next_obs).max(1)[0]
        y = returns + self.gamma ** self.n_step * next_q * (1 - done)
        loss = nn.functional.smooth_l1_loss(q, y)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()

    def sync(self):
        self.target_model.load_state_dict(self.model.state_dict())
""",
)

INVALID: tuple[str, ...] = (
    # Plain alias: the "target" is the online network.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = online  # expect
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def train_step(states, actions, rewards, next_states, dones):
    q = online(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_q = target(next_states).max(1)[0]
        y = rewards + gamma * next_q * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Agent class: the alias is made in __init__, so update_target copies the network onto itself.
    """\
import torch
from torch import nn, optim


class DQNAgent:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.q = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions))
        self.q_target = self.q  # expect
        self.optimizer = optim.Adam(self.q.parameters(), lr=5e-4)
        self.gamma = gamma

    def learn(self, s, a, r, s2, done):
        q_sa = self.q(s).gather(1, a.view(-1, 1)).squeeze(1)
        with torch.no_grad():
            q_next = self.q_target(s2).max(dim=1).values
            target = r + self.gamma * (1 - done) * q_next
        loss = nn.functional.smooth_l1_loss(q_sa, target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def update_target(self):
        self.q_target.load_state_dict(self.q.state_dict())
""",
    # Chained assignment binds both names to one network.
    """\
import torch
import torch.nn as nn

policy_net = target_net = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4))  # expect
optimizer = torch.optim.RMSprop(policy_net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(batch):
    states, actions, rewards, next_states, dones = batch
    q_values = policy_net(states).gather(1, actions)
    with torch.no_grad():
        next_values = target_net(next_states).max(1, keepdim=True)[0]
    expected = rewards + GAMMA * next_values * (1 - dones)
    loss = nn.functional.mse_loss(q_values, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Tuple assignment with the same network twice; torch imported as th.
    """\
import torch as th
import torch.nn.functional as F
from torch import nn


def build(obs_dim, n_actions):
    return nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_actions))


net = build(4, 2)
online, target = net, net  # expect
opt = th.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.98


def update(obs, act, rew, next_obs, term):
    pred = online(obs).gather(1, act[:, None]).squeeze(1)
    with th.no_grad():
        boot = target(next_obs).amax(1)
    loss = F.huber_loss(pred, rew + gamma * boot * (1.0 - term))
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # Conditional: on the --no-target path the target is the online network.
    """\
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--no-target", action="store_true")
parser.add_argument("--gamma", type=float, default=0.99)
args = parser.parse_args()


def make_net():
    return nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))


q_net = make_net()
target_net = q_net if args.no_target else make_net()  # expect
target_net.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)


def learn(s, a, r, s2, d):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + args.gamma * target_net(s2).max(1)[0] * (1 - d)
    loss = (q - y).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A shallow copy (copy.copy imported under another name) shares the Parameter objects.
    """\
from copy import copy as shallow

import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, n_obs, n_actions):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU())
        self.head = nn.Linear(128, n_actions)

    def forward(self, x):
        return self.head(self.body(x))


online = QNetwork(6, 3)
target = shallow(online)  # expect
optimizer = torch.optim.Adam(online.parameters(), lr=3e-4)
gamma = 0.99


def train(batch):
    s, a, r, s2, done = batch
    q = online(s).gather(1, a.unsqueeze(-1)).squeeze(-1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - done)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # copy.copy of an attribute, with a soft update that now moves nothing.
    """\
import copy

import torch
import torch.nn as nn


class Agent:
    def __init__(self, net, gamma=0.99, tau=0.005):
        self.online = net
        self.target = copy.copy(self.online)  # expect
        self.opt = torch.optim.Adam(self.online.parameters(), lr=1e-4)
        self.gamma = gamma
        self.tau = tau

    def learn(self, s, a, r, s2, d):
        q = self.online(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            next_q = self.target(s2).max(1)[0]
        y = r + self.gamma * next_q * (1 - d)
        loss = nn.functional.smooth_l1_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.soft_update()

    def soft_update(self):
        for tp, p in zip(self.target.parameters(), self.online.parameters()):
            tp.data.mul_(1 - self.tau).add_(self.tau * p.data)
""",
    # Two Dueling constructors share one encoder module: the second constructor is the alias.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class DuelingHead(nn.Module):
    def __init__(self, body, hidden, n_actions):
        super().__init__()
        self.body = body
        self.value = nn.Linear(hidden, 1)
        self.advantage = nn.Linear(hidden, n_actions)

    def forward(self, x):
        h = self.body(x)
        adv = self.advantage(h)
        return self.value(h) + adv - adv.mean(dim=1, keepdim=True)


encoder = nn.Sequential(nn.Linear(8, 128), nn.ReLU())
online = DuelingHead(encoder, 128, 4)
target = DuelingHead(encoder, 128, 4)  # expect
target.load_state_dict(online.state_dict())
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99


def learn(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * (1 - d) * target(s2).max(1)[0]
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The target's feature trunk is replaced by the online one "to save memory".
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNet(nn.Module):
    def __init__(self, n_actions=6):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 64), nn.ReLU())
        self.head = nn.Linear(64, n_actions)

    def forward(self, x):
        return self.head(self.features(x))


online = QNet()
target = QNet()
# share the trunk to save memory
target.features = online.features  # expect
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99


def learn(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - d)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The same network passed for both roles of a helper.
    """\
import torch
import torch.nn.functional as F


def td_loss(online, target, batch, gamma=0.99):
    s, a, r, s2, done = batch
    q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - done)
    return F.mse_loss(q, y)


def train(net, buffer, steps, batch_size=32):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        loss = td_loss(net, net, buffer.sample(batch_size))  # expect
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # The "sync" rebinds the target to the online network: from then on they are one object.
    """\
import copy

import torch
import torch.nn as nn


class DQN:
    def __init__(self, policy_net, gamma=0.99):
        self.policy_net = policy_net
        self.target_net = copy.deepcopy(policy_net)
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=1e-4)
        self.gamma = gamma

    def update_target(self):
        self.target_net = self.policy_net  # expect

    def learn(self, states, actions, rewards, next_states, dones):
        q = self.policy_net(states).gather(1, actions).squeeze(1)
        with torch.no_grad():
            nxt = self.target_net(next_states).max(1)[0]
        expected = rewards + self.gamma * nxt * (1 - dones)
        loss = nn.MSELoss()(q, expected)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # Double DQN whose evaluating network aliases the online one collapses to plain Q-learning.
    """\
import torch
import torch.nn.functional as F
from torch import nn

q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_q_net = q_net  # expect
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def double_dqn_update(s, a, r, s2, terminated):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        best = q_net(s2).argmax(dim=1, keepdim=True)
        next_q = target_q_net(s2).gather(1, best).squeeze(1)
        y = r + gamma * next_q * (1 - terminated.float())
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Two call sites of a helper: only the warm-up one passes the online network twice.
    """\
import torch
import torch.nn.functional as F


def compute_loss(q_net, q_target, batch, gamma):
    obs, act, rew, next_obs, done = batch
    q = q_net(obs).gather(1, act).squeeze(1)
    with torch.no_grad():
        v_next, _ = q_target(next_obs).max(1)
    return F.mse_loss(q, rew + gamma * v_next * (1 - done))


def train(agent, buffer, n_updates, warmup=1000):
    opt = torch.optim.Adam(agent.q.parameters(), lr=1e-3)
    for step in range(n_updates):
        batch = buffer.sample(64)
        if step < warmup:
            loss = compute_loss(agent.q, agent.q, batch, gamma=0.99)  # expect
        else:
            loss = compute_loss(agent.q, agent.q_target, batch, gamma=0.99)
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
    # n-step agent built as an nn.Module, namedtuple batches.
    """\
from collections import namedtuple

import torch
import torch.nn as nn

Batch = namedtuple("Batch", "obs action reward next_obs done")


class NStepDQN(nn.Module):
    def __init__(self, model, gamma=0.99, n_step=3):
        super().__init__()
        self.model = model
        self.target_model = self.model  # expect
        self.gamma = gamma
        self.n_step = n_step
        self.optim = torch.optim.Adam(self.model.parameters(), lr=6.25e-5)

    def update(self, batch: Batch):
        q = self.model(batch.obs).gather(1, batch.action.unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            next_q = self.target_model(batch.next_obs).max(1)[0]
            y = batch.reward + self.gamma ** self.n_step * next_q * (1 - batch.done)
        loss = nn.functional.smooth_l1_loss(q, y)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A bootstrap network bound apart from the trained network but sharing its parameters."""
    for target in model.td_targets:
        for call in target.bootstrap_calls:
            network = model.bootstrap_network(call)
            if model.is_trained_binding(network) or not model.shares_parameters_with_trained(network):
                continue  # the same binding is DQN005; a separate network is fine
            if model.target_in_optimizer(network) is not None:
                continue  # a separate network held by the optimizer (in a container with the online one): DQN010
            site, how = model.alias_site(network)
            name = model.code(network)
            online = model.code(model.trained_networks[0])
            certainty = "is" if model.aliases_on_every_path(network) and how != "conditional alias" else "may be, on some paths,"
            detail = {
                "alias": f"`{name}` {certainty} the trained network `{online}` itself",
                "conditional alias": f"`{name}` {certainty} the trained network `{online}` itself (one branch of the conditional aliases it)",
                "shallow copy": f"`{name}` is a shallow copy of the trained network `{online}`, and `copy.copy` shares its Parameter tensors",
                "shared submodule": f"`{name}` shares a submodule, and so its parameters, with the trained network `{online}`",
                "shared storage": f"`{name}`'s parameters are made to share storage with the trained network `{online}` (`.data = ...` aliases the tensor instead of copying it)",
            }[how]
            yield model.finding(
                RULE.code,
                RULE.name,
                site,
                f"{detail}: every optimizer step also moves the TD target, so the target chases itself. "
                f"Keep an independent copy (`copy.deepcopy({online})`) and sync it by copying values "
                f"(`load_state_dict`, `.data.copy_()`) every N steps.",
                Severity.ERROR,
                related=[(f"the TD target bootstraps from `{name}` here", call)],
                fix=_fix(model, site, how, network, online),
            )


def _fix(model: ProgramModel, site, how: str, network, online: str) -> Fix:
    """`target = online` or `target = copy.copy(online)` becomes `target = copy.deepcopy(online)`.

    Other ways of aliasing (a shared submodule, a conditional, a helper given one network twice)
    get the same change as advice only: where the independent copy belongs is a design choice.
    """
    import libcst as cst

    from dqn_lint.fixes.builders import bare_code, replace_node
    from dqn_lint.fixes.imports import attribute_reference
    from dqn_lint.model import torch_api

    target = model.code(network)
    sync = "" if model.network(network).syncs_in else (
        f" Nothing in the file syncs `{target}`: also add `{target}.load_state_dict({online}.state_dict())` every "
        "N steps, or the copy stays at its initial weights."
    )
    advice = Fix(
        Applicability.DISPLAY_ONLY,
        f"Create `{target}` as an independent copy, `copy.deepcopy({online})`, where it is bound.{sync}",
    )
    assign = site.body[0] if isinstance(site, cst.SimpleStatementLine) and len(site.body) == 1 else None
    if how not in ("alias", "shallow copy") or not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return advice
    bound = assign.targets[0].target
    if not isinstance(bound, (cst.Name, cst.Attribute)) or not model.dataflow.same_storage(bound, network):
        return advice  # the alias is made elsewhere (a call site passing one network twice)
    reference = attribute_reference(model.source, "copy", "deepcopy", at=assign)
    if reference is None:
        return advice
    deepcopy, import_edits = reference
    value = assign.value
    if how == "shallow copy":
        if not (isinstance(value, cst.Call) and torch_api.SHALLOW_COPY in model.source.qualified_names(value.func)):
            return advice
        edit = replace_node(model.source, value.func, deepcopy)
    else:
        edit = replace_node(model.source, value, f"{deepcopy}({bare_code(model.source, value)})")
    return Fix(
        Applicability.UNSAFE,
        f"Replace the alias with an independent copy: `{deepcopy}({online})`.{sync}",
        (edit, *import_edits),
    )


EXPERIMENT = Experiment(
    twin="dqn001_target_aliases_online",
    mechanism=(Probe.SHARED_STORAGE,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("q_abs", "mean |Q|", "higher"),
        Measure("td_std", "TD-error std", "higher"),
    ),
    expectation=(
        "Bootstrapping from the network being trained moves the target with every step: the Nature "
        "DQN ablation without a target network scored about 0.6x, and |Q| soft-diverges far more often."
    ),
)

RULE = Rule(
    code="DQN001",
    name="target-aliases-online",
    severity=Severity.ERROR,
    summary="The target network is the trained network under another name (same object or shared parameters).",
    docs=RuleDocs(
        what_it_does="""
Checks that the network computing the bootstrap value of a TD target, when it has a name of its
own, is really a separate network. Reports the statement that makes it the same object as the
trained network or makes the two share parameters: a plain alias (`target = online`), a chained
or tuple assignment, a conditional that may alias, a shallow `copy.copy`, a submodule given to both
networks (`target.body = online.body`, or the same module passed to two constructors), or a helper
called with the same network for its online and target arguments.
""",
        why_is_this_bad="""
DQN regresses Q(s, a) towards `r + gamma * max_a' Q_target(s', a')`, and the target network exists
so that this regression target stays fixed between syncs (Mnih et al. 2015). When the target
network is the online network, every optimizer step also moves the target: generalisation raises
Q(s', .) together with Q(s, a), the next update chases the raised target, and with bootstrapping,
function approximation and off-policy data (the deadly triad) values over-estimate, oscillate or
diverge. The bug is silent: the code keeps its `target_net`, `load_state_dict` copies the network
onto itself and soft updates blend a parameter with itself, so nothing looks wrong. `copy.copy` is
a shallow copy: the new module shares the `Parameter` objects of the original. A shared submodule
makes that part of the "target" train with the online network.
""",
        example="""
import torch

online = QNetwork()
target = online  # same object: the target moves with every step
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
...
with torch.no_grad():
    y = r + gamma * target(s2).max(1).values * (1 - terminated)
""",
        use_instead="""
import copy

import torch

online = QNetwork()
target = copy.deepcopy(online)  # own parameters, synced every C steps
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
...
with torch.no_grad():
    y = r + gamma * target(s2).max(1).values * (1 - terminated)
...
if step % target_update_interval == 0:
    target.load_state_dict(online.state_dict())
""",
        fix_safety="""
The fix replaces the aliasing binding with `copy.deepcopy(<online>)` (adding `import copy` when
needed), so the target starts as an independent copy that the existing syncs keep up to date. It is
unsafe: it changes what the program trains (a frozen target instead of none), doubles the memory of
the network, and when the file has no sync of the target at all, the copy stays frozen at its
initial weights until one is added. Shared submodules and helpers called with the same network twice
get the same advice (create the target with `copy.deepcopy`) for the binding that creates the alias.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (the target network, Methods)",
            'van Hasselt et al. (2018), "Deep Reinforcement Learning and the Deadly Triad", '
            "https://arxiv.org/abs/1812.02648",
            "Python docs, `copy` (shallow and deep copy operations), https://docs.python.org/3/library/copy.html",
            "Stable-Baselines3 DQN (`target_update_interval`, `tau`), "
            "https://stable-baselines3.readthedocs.io/en/master/modules/dqn.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.RELATED_CALLEE, Observation.SHARES_TRAINED_STORAGE, "the bootstrap network is the trained one"),
)
