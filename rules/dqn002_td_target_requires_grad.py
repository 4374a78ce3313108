"""DQN002 td-target-requires-grad: the bootstrap value of a TD target is computed with autograd on.

Q-learning is a semi-gradient method: the TD target `r + gamma * max_a' Q(s', a')` is a label, and
only the prediction Q(s, a) should receive gradient. When the bootstrap forward pass runs with
autograd recording and nothing on its way to the loss cuts the graph (`torch.no_grad()`,
`inference_mode`, `.detach()`, frozen parameters), `loss.backward()` also differentiates through the
target: through the trained network's own parameters this turns DQN into a residual-gradient method
that learns slower and towards a different answer; through a separate target network it wastes
memory and time and fills the target's `.grad` on every step.
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
    # The target is computed inside torch.no_grad().
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

policy = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = copy.deepcopy(policy)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    q = policy(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_q = target(next_states).max(1)[0]
        y = rewards + gamma * next_q * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # inference_mode through an aliased import.
    """\
import copy

import torch as th
import torch.nn.functional as F

q_net = th.nn.Sequential(th.nn.Linear(8, 64), th.nn.ReLU(), th.nn.Linear(64, 4))
q_target = copy.deepcopy(q_net)
opt = th.optim.Adam(q_net.parameters(), lr=5e-4)
gamma = 0.99


def update(obs, act, rew, next_obs, term):
    with th.inference_mode():
        next_v = q_target(next_obs).max(dim=1).values
        td_target = rew + gamma * next_v * (1 - term)
    q = q_net(obs).gather(1, act).squeeze(1)
    loss = F.smooth_l1_loss(q, td_target.clone())
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # `from torch import no_grad`.
    """\
import copy

import torch
from torch import no_grad
from torch.nn import functional as F


class Agent:
    def __init__(self, net, gamma=0.99):
        self.net = net
        self.target_net = copy.deepcopy(net)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-4)
        self.gamma = gamma

    def learn(self, s, a, r, s2, done):
        q = self.net(s).gather(1, a).squeeze(1)
        with no_grad():
            target = r + self.gamma * self.target_net(s2).max(1)[0] * (1 - done)
        loss = F.mse_loss(q, target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # A method decorated with @torch.no_grad() computes the target.
    """\
import copy

import torch
import torch.nn as nn


class DQN:
    def __init__(self, q_net, gamma=0.99):
        self.q_net = q_net
        self.target_net = copy.deepcopy(q_net)
        self.opt = torch.optim.Adam(self.q_net.parameters(), lr=1e-4)
        self.gamma = gamma

    @torch.no_grad()
    def td_target(self, rewards, next_states, dones):
        next_q = self.target_net(next_states).max(1, keepdim=True)[0]
        return rewards + self.gamma * next_q * (1 - dones)

    def learn(self, states, actions, rewards, next_states, dones):
        q = self.q_net(states).gather(1, actions)
        loss = nn.functional.mse_loss(q, self.td_target(rewards, next_states, dones))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
""",
    # A helper whose only call site is inside torch.no_grad().
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def next_state_values(net, next_states):
    return net(next_states).max(1)[0]


def train_step(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * next_state_values(target, s2) * (1 - d)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `.detach()` on the forward output.
    """\
import copy

import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(6, 128), nn.ReLU(), nn.Linear(128, 3))
target_net = copy.deepcopy(net)
optimizer = torch.optim.RMSprop(net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(states, actions, rewards, next_states, dones):
    q_values = net(states).gather(1, actions)
    next_values = target_net(next_states).detach().max(1, keepdim=True)[0]
    expected = rewards + GAMMA * next_values * (1 - dones)
    loss = nn.functional.mse_loss(q_values, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `.detach()` inside the loss call.
    """\
import torch
import torch.nn.functional as F
from torch import nn

q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_net.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def update(s, a, r, s2, terminated):
    q = q_net(s).gather(1, a).squeeze(1)
    y = r + gamma * target_net(s2).amax(1) * (1 - terminated)
    loss = F.mse_loss(q, y.detach())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `.data` on the forward output (old style, still grad-free).
    """\
import copy

import torch
import torch.nn.functional as F


class Learner:
    def __init__(self, model, gamma=0.99):
        self.model = model
        self.target_model = copy.deepcopy(model)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=6.25e-5)
        self.gamma = gamma

    def learn(self, batch):
        state, action, reward, next_state, done = batch
        q = self.model(state).gather(1, action.unsqueeze(1)).squeeze(1)
        next_q = self.target_model(next_state).data.max(1)[0]
        expected = reward + self.gamma * next_q * (1 - done)
        loss = F.smooth_l1_loss(q, expected)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # A frozen target network: requires_grad_(False).
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(8, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
target = copy.deepcopy(online)
target.requires_grad_(False)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99
n_step = 3


def learn(obs, act, returns, obs_n, done_n):
    q = online(obs).gather(1, act).squeeze(1)
    y = returns + (gamma ** n_step) * target(obs_n).amax(1) * (1 - done_n)
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A frozen target network: a loop over its parameters.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_q():
    return nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))


policy_net = make_q()
target_net = make_q()
target_net.load_state_dict(policy_net.state_dict())
for p in target_net.parameters():
    p.requires_grad = False
optimizer = torch.optim.Adam(policy_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    q = policy_net(s).gather(1, a).squeeze(1)
    v_next, _ = target_net(s2).max(1)
    loss = F.mse_loss(q, r + gamma * v_next * (1 - d))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The bootstrap goes through .cpu().numpy(): a numpy array carries no graph.
    """\
import copy

import numpy as np
import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_target = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    next_q = q_target(torch.as_tensor(next_states)).max(1)[0].cpu().numpy()
    targets = rewards + gamma * next_q * (1.0 - dones)
    q = q_net(torch.as_tensor(states)).gather(1, torch.as_tensor(actions)[:, None]).squeeze(1)
    loss = F.mse_loss(q, torch.as_tensor(targets, dtype=torch.float32))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Per-transition targets through .item() and float().
    """\
import copy
import random

import torch
import torch.nn.functional as F


def replay(model, target_model, optimizer, memory, batch_size=32, gamma=0.95):
    losses = []
    for s, a, r, s2, d in random.sample(memory, batch_size):
        q = model(s)[0, a]
        y = r + gamma * float(target_model(s2).max(1)[0]) * (1 - d)
        losses.append(F.mse_loss(q, torch.tensor(y, dtype=torch.float32)))
    loss = torch.stack(losses).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


net = torch.nn.Linear(4, 2)
tgt = copy.deepcopy(net)
opt = torch.optim.SGD(net.parameters(), lr=1e-2)
""",
    # torch.set_grad_enabled(False).
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    with torch.set_grad_enabled(False):
        best = online(s2).argmax(1, keepdim=True)
        next_q = target(s2).gather(1, best).squeeze(1)
    y = r + gamma * next_q * (1 - d)
    q = online(s).gather(1, a).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # In-place .detach_() on the bootstrap values, with torch.where as the mask.
    """\
import copy

import torch
import torch.nn.functional as F

q = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_targ = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, done):
    next_q = q_targ(s2).max(1).values
    next_q.detach_()
    y = torch.where(done, r, r + gamma * next_q)
    pred = q(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # A function decorated with @torch.inference_mode().
    """\
import copy

import torch
import torch.nn.functional as F


@torch.inference_mode()
def bootstrap(target, next_states, rewards, dones, gamma=0.99):
    return rewards + gamma * target(next_states).max(1)[0] * (1 - dones)


def train_step(online, target, optimizer, batch):
    s, a, r, s2, d = batch
    y = bootstrap(target, s2, r, d).clone()
    q = online(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


net = torch.nn.Linear(4, 2)
target_net = copy.deepcopy(net)
""",
    # C51: the projection under no_grad (the target distribution carries no graph)
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
    # A DDPG critic's target: the target critic at the target actor's action, with autograd on.
    """\
import copy

import torch
import torch.nn.functional as F


class Critic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(4, 1)

    def forward(self, state, action):
        return self.net(torch.cat([state, action], dim=-1))


actor, critic = torch.nn.Linear(3, 1), Critic()
actor_t, critic_t = copy.deepcopy(actor), copy.deepcopy(critic)
optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)


def update(s, a, r, s2, d, gamma=0.99):
    q_next = critic_t(s2, actor_t(s2))  # expect
    y = r.unsqueeze(-1) + gamma * q_next * (1 - d.unsqueeze(-1))
    loss = F.mse_loss(critic(s, a), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A separate target network, but the forward pass records a graph.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

policy = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target = copy.deepcopy(policy)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    q = policy(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    next_q = target(next_states).max(1)[0]  # expect
    y = rewards + gamma * next_q * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # act() is decorated with no_grad, learn() is not.
    """\
import copy
import random

import torch
from torch import nn


class Agent:
    def __init__(self, net, n_actions, gamma=0.99):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.n_actions = n_actions
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-4)

    @torch.no_grad()
    def act(self, obs, eps):
        if random.random() < eps:
            return random.randrange(self.n_actions)
        return int(self.q(obs.unsqueeze(0)).argmax(1))

    def learn(self, s, a, r, s2, done):
        q_sa = self.q(s).gather(1, a.view(-1, 1)).squeeze(1)
        target = r + self.gamma * self.q_target(s2).max(dim=1).values * (1 - done)  # expect
        loss = nn.functional.smooth_l1_loss(q_sa, target)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
""",
    # No target network and no no_grad: the gradient flows into the trained parameters (error).
    """\
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
opt = torch.optim.SGD(net.parameters(), lr=1e-2)
gamma = 0.95


def q_learning_step(s, a, r, s2, terminated):
    q = net(s).gather(1, a).squeeze(1)
    y = r + gamma * net(s2).max(1)[0] * (1 - terminated)  # expect
    loss = ((q - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # A local function named no_grad is not torch's: autograd stays on.
    """\
import contextlib
import copy

import torch
import torch.nn.functional as F


def no_grad():
    return contextlib.nullcontext()


online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def update(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    with no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - d)  # expect
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # set_grad_enabled(True) keeps autograd on.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(8, 128), torch.nn.ReLU(), torch.nn.Linear(128, 4))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99


def train_epoch(batches):
    for s, a, r, s2, d in batches:
        with torch.set_grad_enabled(True):
            q = online(s).gather(1, a).squeeze(1)
            next_q = target(s2).max(1)[0]  # expect
            loss = F.smooth_l1_loss(q, r + gamma * next_q * (1 - d))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # A helper that runs the network it is given, called once under no_grad and once outside:
    # the call outside no_grad is reported, where autograd is on.
    """\
import torch
import torch.nn.functional as F

gamma = 0.99


def next_state_values(target, next_states):
    return target(next_states).max(1)[0]


def td_error(online, target, batch):
    s, a, r, s2, d = batch
    with torch.no_grad():
        q = online(s).gather(1, a).squeeze(1)
        y = r + gamma * next_state_values(target, s2) * (1 - d)
    return (q - y).abs().mean().item()


def train_step(online, target, optimizer, batch):
    s, a, r, s2, d = batch
    q = online(s).gather(1, a).squeeze(1)
    y = r + gamma * next_state_values(target, s2) * (1 - d)  # expect
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Double DQN: the argmax indices are detached, the evaluated values are not.
    """\
import torch
import torch.nn.functional as F


class DoubleDQN:
    def __init__(self, online, target, gamma=0.99):
        self.online = online
        self.target = target
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=1e-4)

    def learn(self, s, a, r, s2, d):
        q = self.online(s).gather(1, a).squeeze(1)
        best = self.online(s2).argmax(1, keepdim=True).detach()
        q_next = self.target(s2).gather(1, best).squeeze(1)  # expect
        y = r + self.gamma * q_next * (1 - d)
        loss = F.mse_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def sync(self):
        self.target.load_state_dict(self.online.state_dict())
""",
    # torch.no_grad() called as a statement, not entered: it does nothing.
    """\
import copy

import torch
import torch.nn as nn

policy_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_net = copy.deepcopy(policy_net)
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4, amsgrad=True)
GAMMA = 0.99


def optimize_model(state_batch, action_batch, reward_batch, next_states, done_batch):
    state_action_values = policy_net(state_batch).gather(1, action_batch)
    torch.no_grad()
    next_state_values = target_net(next_states).max(1)[0]  # expect
    expected = reward_batch + GAMMA * next_state_values * (1 - done_batch)
    loss = nn.SmoothL1Loss()(state_action_values, expected.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Dueling network on a vector env, torch imported as th.
    """\
import copy

import gymnasium as gym
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


envs = gym.make_vec("CartPole-v1", num_envs=8)
q_net = Dueling(4, 2)
target_net = copy.deepcopy(q_net)
opt = th.optim.Adam(q_net.parameters(), lr=2.5e-4)
gamma = 0.99


def learn(obs, actions, rewards, next_obs, terminations):
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    next_q = target_net(next_obs).max(dim=1).values  # expect
    loss = F.mse_loss(q, rewards + gamma * next_q * (1 - terminations))
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # n-step return with gamma ** n and amax.
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
    q = online(obs).gather(1, act).squeeze(1)
    y = returns + (gamma ** n_step) * tgt(obs_n).amax(1) * (1 - done_n)  # expect
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A target written over several lines: the forward call's line is reported.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    q = online(states).gather(1, actions).squeeze(1)
    y = rewards + gamma * (1 - dones) * (
        target(next_states).max(1)[0]  # expect
    )
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The mask is a torch.where; still no no_grad around the target.
    """\
import copy

import torch
import torch.nn.functional as F

q = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_targ = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, done):
    y = torch.where(done, r, r + gamma * q_targ(s2).max(1).values)  # expect
    pred = q(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # The detach is only for logging, not on the path to the loss.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99
stats = {}


def learn(s, a, r, s2, d):
    q = online(s).gather(1, a).squeeze(1)
    next_q = target(s2).max(1)[0]  # expect
    stats["next_q"] = next_q.detach().mean().item()
    y = r + gamma * next_q * (1 - d)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `+=` onto a copy of the rewards; inference_mode only guards acting.
    """\
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(net)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
gamma = 0.99


def act(obs):
    with torch.inference_mode():
        return int(net(torch.as_tensor(obs)).argmax())


def learn(s, a, r, s2, terminated):
    y = r.clone()
    y += gamma * target_net(s2).max(1)[0] * (1 - terminated)  # expect
    q = net(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # C51: the next-state distribution computed with autograd on and projected into the target
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
    if True:
        next_dist = target(next_states)  # expect: DQN002
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


def check(model: ProgramModel) -> Iterator[Finding]:
    """A bootstrap forward pass whose output reaches the loss with autograd attached."""
    for target in model.td_targets:
        for call in target.bootstrap_calls:
            if call not in model.gradient_calls:
                continue
            network = model.bootstrap_network(call)
            name = model.code(network)
            reaches_trained = model.is_trained_binding(network) or model.shares_parameters_with_trained(network)
            if reaches_trained:
                consequence = (
                    f"the loss gradient flows through `{name}`, which the optimizer trains, so each step also pushes "
                    "the target toward the prediction (a semi-gradient update becomes a residual-gradient one)"
                )
                severity = Severity.ERROR
            else:
                consequence = (
                    f"autograd records the graph through the separate network `{name}`: no trained weight changes, "
                    "but memory and time are wasted"
                )
                severity = Severity.WARNING
            volatile = model.volatile_variables(call)
            note = (
                " `Variable(..., volatile=True)` does not help: since PyTorch 0.4 `volatile` has no effect and "
                "autograd records anyway."
                if volatile
                else ""
            )
            yield model.finding(
                RULE.code,
                RULE.name,
                call,
                f"The TD target's bootstrap pass `{model.code(call)}` runs with autograd on and nothing detaches it before "
                f"the loss: {consequence}. Compute it under `with torch.no_grad():` or append `.detach()`.{note}",
                severity,
                related=[("the TD target", target.node), *(("`volatile=True` is ignored since PyTorch 0.4", node) for node in volatile)],
                fix=_fix(model, target, call, reaches_trained),
            )


def _fix(model: ProgramModel, target, call, reaches_trained: bool) -> Fix:
    """Put the statements that compute the bootstrap under `torch.no_grad()`, or detach the pass.

    Safe when only a separate network lost its graph (the optimizer's numbers stay the same);
    unsafe when the gradient reached trained parameters.
    """
    from dqn_lint.fixes.builders import insert_after, wrap_statements
    from dqn_lint.fixes.imports import attribute_reference

    applicability = Applicability.UNSAFE if reaches_trained else Applicability.SAFE
    source = model.source
    if source.enclosing_function(call) is not source.enclosing_function(target.node):
        return Fix(
            Applicability.DISPLAY_ONLY,
            "Run the helper that computes the bootstrap under `with torch.no_grad():` where it serves the TD target.",
        )
    detach = Fix(applicability, "Detach the bootstrap pass: append `.detach()`.", (insert_after(source, call, ".detach()"),))
    if _in_lambda(model, call):  # a lambda runs where it is called: `no_grad` around its definition does nothing
        return detach
    statements = _bootstrap_block(model, target, call)
    reference = attribute_reference(source, "torch", "no_grad", at=statements[0]) if statements else None
    if statements and reference is not None:
        no_grad, import_edits = reference
        edit = wrap_statements(source, statements, f"with {no_grad}()")
        if edit is not None:
            return Fix(applicability, f"Compute the bootstrap value under `with {no_grad}():`.", (edit, *import_edits))
    return detach


def _in_lambda(model: ProgramModel, call) -> bool:
    import libcst as cst

    for ancestor in model.source.ancestors(call):
        if isinstance(ancestor, cst.Lambda):
            return True
        if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return False
    return False


def _bootstrap_block(model: ProgramModel, target, call) -> list | None:
    """The statement lines from the bootstrap pass to the TD target, when they form a block that
    only computes the target; else the bootstrap statement alone when it can go under no_grad;
    else None (the pass shares its statement with the prediction or the loss)."""
    import libcst as cst

    source = model.source
    first, last = source.statement(call), source.statement(target.node)
    if not isinstance(first, cst.SimpleStatementLine):
        return None
    run = [first]
    parent = source.parent(first)
    if isinstance(last, cst.SimpleStatementLine) and source.parent(last) is parent and last is not first:
        body = list(parent.body)
        i, j = body.index(first), body.index(last)
        if i < j:
            run = body[i : j + 1]
    for candidate in (run, [first]):
        if all(_grad_free_ok(model, target, statement) for statement in candidate) and _each_feeds_the_next(model, candidate):
            return candidate
    return None


def _grad_free_ok(model: ProgramModel, target, statement) -> bool:
    """Nothing in the statement needs autograd: no prediction pass, loss, backward or optimizer step."""
    import libcst as cst

    from dqn_lint.model.source import walk

    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    losses = set(map(id, model.loss_roots))
    for node in walk(statement):
        if id(node) in losses:
            return False
        if isinstance(node, cst.Call):
            if node in model.gradient_calls and node not in target.bootstrap_calls:
                return False
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("backward", "step", "zero_grad"):
                return False
    return True


def _each_feeds_the_next(model: ProgramModel, statements: list) -> bool:
    """Every statement but the last binds a name that a later one reads: the block is one computation."""
    import libcst as cst

    from dqn_lint.model.source import walk

    for index, statement in enumerate(statements[:-1]):
        bound = {
            node.value
            for small in statement.body
            if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign))
            for target in (small.targets if isinstance(small, cst.Assign) else [small])
            for node in walk(target.target)
            if isinstance(node, cst.Name)
        }
        later = {node.value for later in statements[index + 1 :] for node in walk(later) if isinstance(node, cst.Name)}
        if not bound & later:
            return False
    return True


EXPERIMENT = Experiment(
    twin="dqn002_td_target_requires_grad",
    mechanism=(Probe.TD_TARGET_REQUIRES_GRAD, Probe.GRAD_REACHES_BOOTSTRAP_NET),
    measures=(
        Measure("update_ms", "ms per update", "higher", primary=True, unit="training phases"),
        Measure("final_return", "eval return", "none"),
        Measure("q_abs", "mean |Q|", "none"),
    ),
    expectation=(
        "The gradient reaches only the separate, un-optimised target network, so learning is not "
        "expected to change: the cost is the time and memory of the extra autograd graph."
    ),
)

RULE = Rule(
    code="DQN002",
    name="td-target-requires-grad",
    severity=Severity.ERROR,
    summary="The bootstrap value of a TD target is computed with autograd on; the loss back-propagates into it.",
    docs=RuleDocs(
        what_it_does="""
Checks that the bootstrap forward pass of a TD target (`target(next_states).max(1)[0]` and its
Double DQN and n-step forms) cannot carry gradient to the loss. It is grad-free inside
`torch.no_grad()`, `torch.inference_mode()` or `torch.set_grad_enabled(False)` (also as decorators
and in helpers only called from such contexts), after `.detach()`, `.detach_()` or `.data`, through
`.item()`, `.numpy()` or `float()`, or when the network's parameters are frozen. Reports the line of
the bootstrap forward call. The finding is an error when the bootstrap network is the trained
network or shares its parameters, and a warning when it is a separate target network.
""",
        why_is_this_bad="""
Q-learning is a semi-gradient method: the TD target is treated as a fixed label and only the
prediction Q(s, a) is moved towards it (Sutton and Barto, section 9.3). If the target keeps its
autograd graph, `loss.backward()` also moves the bootstrap value. When the bootstrap network is the
trained network, the update becomes the residual-gradient update: besides moving Q(s, a) towards
the target it moves Q(s', a*) towards (Q(s, a) - r) / gamma, the target towards the prediction,
which slows the propagation of reward and, with stochastic transitions, converges to a different,
wrong answer (Baird 1995). When
the bootstrap network is a separate target network the online update is unchanged, but every step
keeps the target's activation graph alive, runs its backward pass, and accumulates gradient in its
`.grad` tensors, which the optimizer never clears: memory and time spent for nothing, and a trap for
any later code that clips or reads gradients over all parameters.
""",
        example="""
q = online(states).gather(1, actions).squeeze(1)
next_q = target(next_states).max(1).values  # records a graph
y = rewards + gamma * next_q * (1 - terminated)
loss = F.smooth_l1_loss(q, y)
""",
        use_instead="""
q = online(states).gather(1, actions).squeeze(1)
with torch.no_grad():
    next_q = target(next_states).max(1).values
    y = rewards + gamma * next_q * (1 - terminated)
loss = F.smooth_l1_loss(q, y)
""",
        fix_safety="""
The fix puts the statements from the bootstrap pass down to the TD target under
`with torch.no_grad():` when they are one block of plain statements that only compute the target
(each feeds the next, and none runs the prediction, the loss, `backward` or the optimizer). It
uses the file's own name for torch (`th.no_grad()`) and adds `import torch` only when torch is not
imported. When they are not one block, it wraps the statement with the pass alone. When the pass
shares its statement with the prediction or the loss, it appends `.detach()` to the pass. A pass
inside a helper function gets advice only, because other callers may need its gradient.

It is safe when the gradient only reached a separate target network that no optimizer trains: the
parameter updates stay exactly the same. It is unsafe when the gradient reached trained parameters (the bootstrap network is the trained network
or shares parameters with it): the fix turns a residual-gradient update into the semi-gradient DQN
update, which is the intended algorithm but changes what the program learns.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236",
            "PyTorch docs, torch.no_grad, https://pytorch.org/docs/stable/generated/torch.no_grad.html",
            "PyTorch docs, torch.Tensor.detach, https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html",
            "PyTorch docs, torch.inference_mode, https://pytorch.org/docs/stable/generated/torch.inference_mode.html",
            "Sutton and Barto (2018), Reinforcement Learning: An Introduction, 2nd ed., sections 9.3 "
            "(semi-gradient methods) and 11.5 (gradient descent in the Bellman error), "
            "http://incompleteideas.net/book/the-book-2nd.html",
            'Baird (1995), "Residual Algorithms: Reinforcement Learning with Function Approximation", ICML 1995',
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.FINDING, Observation.REQUIRES_GRAD, "the bootstrap value requires grad"),
)
