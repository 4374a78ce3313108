"""DQN005 bootstrap-from-online: the TD target bootstraps from the network being trained.

DQN regresses Q(s, a) towards `r + gamma * max_a' Q(s', a')`, and takes the bootstrap values from a
target network: a copy of the trained network that only changes when it is synced. When the
bootstrap values come from the trained network itself (`q_net(next_states).max(1)[0]` with an
optimizer over `q_net`), there is no target network: every update moves the target it regresses
towards, which is the feedback loop the target network was introduced to break. Double DQN, where
the online network only picks the next action and a separate target network evaluates it, is fine.
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
    # A separate target network, synced every 1000 steps.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(step, states, actions, rewards, next_states, dones):
    q = q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * target_net(next_states).max(1)[0] * (1 - dones)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        target_net.load_state_dict(q_net.state_dict())
""",
    # Double DQN: the online network picks the argmax, the target network evaluates it.
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
        next_q = target(s2).gather(1, best).squeeze(1)
        y = r + gamma * next_q * (1 - terminated)
    q = online(s).gather(1, a).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Agent class with update_target.
    """\
import torch
from torch import nn


def make_net(obs_dim, n_actions):
    return nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions))


class DQNAgent:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.q = make_net(obs_dim, n_actions)
        self.q_target = make_net(obs_dim, n_actions)
        self.update_target()
        self.optimizer = torch.optim.Adam(self.q.parameters(), lr=5e-4)
        self.gamma = gamma

    def learn(self, s, a, r, s2, done):
        q_sa = self.q(s).gather(1, a.view(-1, 1)).squeeze(1)
        with torch.no_grad():
            target = r + self.gamma * (1 - done) * self.q_target(s2).max(dim=1).values
        loss = nn.functional.smooth_l1_loss(q_sa, target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def update_target(self):
        self.q_target.load_state_dict(self.q.state_dict())
""",
    # Actor-critic r + gamma * V(s'): no max or gather over actions, so not a DQN TD target.
    """\
import torch
import torch.nn.functional as F
from torch import nn

critic = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1))
actor = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=7e-4)
gamma = 0.99


def a2c_update(s, log_prob, r, s2, done):
    v = critic(s).squeeze(-1)
    with torch.no_grad():
        v_next = critic(s2).squeeze(-1)
    td_target = r + gamma * v_next * (1 - done)
    advantage = td_target - v
    loss = -(log_prob * advantage.detach()).mean() + F.mse_loss(v, td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Soft (Polyak) updates of a separate target.
    """\
import copy

import torch
import torch.nn as nn


class Agent:
    def __init__(self, net, gamma=0.99, tau=0.005):
        self.online = net
        self.target = copy.deepcopy(net)
        self.opt = torch.optim.Adam(self.online.parameters(), lr=1e-4)
        self.gamma = gamma
        self.tau = tau

    def learn(self, s, a, r, s2, d):
        q = self.online(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(1)[0] * (1 - d)
        loss = nn.functional.smooth_l1_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            for tp, p in zip(self.target.parameters(), self.online.parameters()):
                tp.lerp_(p, self.tau)
""",
    # A helper receives two different networks from its only call site.
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
    # The online network is used on next states only to act; the target bootstraps.
    """\
import copy
import random

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def act(next_obs, eps=0.05):
    if random.random() < eps:
        return env.action_space.sample()
    with torch.no_grad():
        return int(q_net(torch.as_tensor(next_obs)).argmax())


def learn(s, a, r, s2, d):
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - d)
    loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A frozen deep copy, n-step return with gamma ** n.
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
""",
    # The target network is loaded from a checkpoint of an earlier run.
    """\
import torch
import torch.nn as nn


class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4))

    def forward(self, x):
        return self.net(x)


policy = QNet()
teacher = QNet()
teacher.load_state_dict(torch.load("checkpoints/q_500k.pt"))
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-4)
GAMMA = 0.99


def fine_tune(s, a, r, s2, d):
    with torch.no_grad():
        v_next, _ = teacher(s2).max(1)
    expected = r + GAMMA * v_next * (1 - d)
    loss = nn.functional.mse_loss(policy(s).gather(1, a).squeeze(1), expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Dueling heads with a separate target, torch imported as th.
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
        td_target = rewards + gamma * th.max(target_net(next_obs), 1)[0] * (1 - terminations)
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, td_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # Double Q-learning with two networks, each trained by its own optimizer, evaluated by the other.
    """\
import torch
import torch.nn.functional as F

q_a = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_b = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
opt_a = torch.optim.Adam(q_a.parameters(), lr=1e-3)
opt_b = torch.optim.Adam(q_b.parameters(), lr=1e-3)
gamma = 0.99


def update(learner, evaluator, optimizer, s, a, r, s2, d):
    with torch.no_grad():
        best = learner(s2).argmax(1, keepdim=True)
        y = r + gamma * evaluator(s2).gather(1, best).squeeze(1) * (1 - d)
    loss = F.mse_loss(learner(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def step(batch, flip):
    if flip:
        update(q_a, q_b, opt_a, *batch)
    else:
        update(q_b, q_a, opt_b, *batch)
""",
    # Supervised regression with a `target` tensor: no TD target at all.
    """\
import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)


def epoch(loader):
    for x, target in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    return logits.max(1)[0].mean().item()
""",
    # A new transition's priority is the online network's TD error, taken while acting: it is stored
    # for sampling and only weights the loss; the TD target that trains bootstraps from `target`.
    """\
import copy

import gymnasium as gym
import numpy as np
import torch

q = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
states, actions, rewards, next_states, dones, priorities = [], [], [], [], [], []


def act(obs):
    with torch.no_grad():
        values = q(torch.as_tensor(obs).unsqueeze(0))
        action = int(values.argmax().item()) if np.random.rand() > 0.1 else np.random.randint(2)
        return action, values[0, action]


def learn(n=64):
    p = torch.stack(priorities)
    idx = torch.multinomial(p / p.sum(), n, replacement=True)
    w = (len(p) * p[idx] / p.sum()) ** -0.4
    s, a = torch.as_tensor(np.array(states))[idx], torch.as_tensor(actions)[idx]
    r, s2 = torch.as_tensor(rewards)[idx], torch.as_tensor(np.array(next_states))[idx]
    d = torch.as_tensor(dones, dtype=torch.float32)[idx]
    with torch.no_grad():
        y = r + 0.99 * target(s2).max(1)[0] * (1 - d)
    pred = q(s).gather(1, a[:, None]).squeeze(1)
    loss = (w * (y - pred) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


env = gym.make("CartPole-v1")
obs, _ = env.reset()
a, q_a = act(obs)
for step in range(20_000):
    nxt, r, terminated, truncated, _ = env.step(a)
    a2, q_a2 = act(nxt)
    priority = abs(r + 0.99 * (1 - terminated) * q_a2 - q_a) + 0.01
    states.append(obs); actions.append(a); rewards.append(r)
    next_states.append(nxt); dones.append(terminated); priorities.append(priority)
    obs, a, q_a = nxt, a2, q_a2
    if terminated or truncated:
        obs, _ = env.reset()
        a, q_a = act(obs)
    if step > 1_000:
        learn()
    if step % 500 == 0:
        target.load_state_dict(q.state_dict())
""",
)

INVALID: tuple[str, ...] = (
    # No target network: the trained q_net bootstraps itself.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(states, actions, rewards, next_states, dones):
    q = q_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * q_net(next_states).max(1)[0] * (1 - dones)  # expect
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Agent class: self.q is trained and bootstraps.
    """\
import torch
from torch import nn, optim


class DQNAgent:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.q = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions))
        self.optimizer = optim.Adam(self.q.parameters(), lr=5e-4)
        self.gamma = gamma

    def learn(self, s, a, r, s2, done):
        q_sa = self.q(s).gather(1, a.view(-1, 1)).squeeze(1)
        with torch.no_grad():
            q_next = self.q(s2).max(dim=1).values  # expect
            target = r + self.gamma * (1 - done) * q_next
        loss = nn.functional.smooth_l1_loss(q_sa, target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # "Double DQN" whose online network both picks and evaluates the next action.
    """\
import torch
import torch.nn.functional as F

net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    with torch.no_grad():
        best = net(s2).argmax(1, keepdim=True)
        next_q = net(s2).gather(1, best).squeeze(1)  # expect
        y = r + gamma * next_q * (1 - terminated)
    q = net(s).gather(1, a).squeeze(1)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # No optimizer in sight: the trained network is the one on the prediction side of the loss.
    """\
import torch
import torch.nn.functional as F


def dqn_loss(model, batch, gamma=0.99):
    s, a, r, s2, d = batch
    q = model(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_v = model(s2).max(1).values  # expect
    y = r + gamma * next_v * (1 - d)
    return F.smooth_l1_loss(q, y)
""",
    # A target network exists and is synced, but the target is computed with the online one.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(6, 128), torch.nn.ReLU(), torch.nn.Linear(128, 3))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(step, s, a, r, s2, d):
    with torch.no_grad():
        y = r + gamma * online(s2).max(1)[0] * (1 - d)  # expect
    q = online(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
""",
    # Dueling network, torch imported as th.
    """\
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
opt = th.optim.Adam(q_net.parameters(), lr=2.5e-4)
gamma = 0.99


def learn(obs, actions, rewards, next_obs, terminations):
    with th.no_grad():
        next_q = q_net(next_obs).max(dim=1).values  # expect
    td_target = rewards + gamma * next_q * (1 - terminations)
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, td_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # n-step return with gamma ** n, bootstrapped from the trained network.
    """\
import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(8, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
optimizer = torch.optim.Adam(online.parameters(), lr=1e-4)
gamma = 0.99
n_step = 3


def learn(obs, act, returns, obs_n, done_n):
    with torch.no_grad():
        y = returns + (gamma ** n_step) * online(obs_n).amax(1) * (1 - done_n)  # expect
    q = online(obs).gather(1, act).squeeze(1)
    loss = F.huber_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Per-transition targets with .item().
    """\
import random

import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(4, 24), torch.nn.ReLU(), torch.nn.Linear(24, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
gamma = 0.95


def replay(memory, batch_size=32):
    for state, action, reward, next_state, done in random.sample(memory, batch_size):
        target = reward + gamma * model(next_state).max(1)[0].item() * (1 - done)  # expect
        loss = F.mse_loss(model(state)[0, action], torch.tensor(target))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # `v, _ = q.max(1)` unpacking inside a training loop.
    """\
import torch
import torch.nn.functional as F


def train(replay, q_net, iterations, gamma=0.99):
    optimizer = torch.optim.Adam(q_net.parameters(), lr=3e-4)
    for _ in range(iterations):
        s, a, r, s2, d = replay.sample(256)
        with torch.no_grad():
            v_next, _ = q_net(s2).max(1)  # expect
            y = r + gamma * v_next * (1 - d)
        loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # torch.max(q, 1)[0] with a keepdim reward column.
    """\
import torch
import torch.nn as nn

policy_net = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 4))
optimizer = torch.optim.RMSprop(policy_net.parameters(), lr=2.5e-4)
GAMMA = 0.99


def optimize(states, actions, rewards, next_states, dones):
    q_values = policy_net(states).gather(1, actions)
    with torch.no_grad():
        next_values = torch.max(policy_net(next_states), 1, keepdim=True)[0]  # expect
    expected = rewards + GAMMA * next_values * (1 - dones)
    loss = nn.functional.mse_loss(q_values, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Keras-port style: self.model with .detach().
    """\
import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, model, gamma=0.95):
        self.model = model
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def replay(self, states, actions, rewards, next_states, dones):
        next_q = self.model(next_states).detach().max(1)[0]  # expect
        targets = rewards + self.gamma * next_q * (1 - dones)
        q = self.model(states).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # A vector env learning online from each step, amax over actions.
    """\
import gymnasium as gym
import torch
import torch.nn.functional as F

envs = gym.make_vec("CartPole-v1", num_envs=8)
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99
obs = torch.as_tensor(envs.reset(seed=0)[0])
for step in range(10_000):
    with torch.no_grad():
        actions = q_net(obs).argmax(1)
    next_obs, rewards, terminations, truncations, _ = envs.step(actions.numpy())
    next_obs = torch.as_tensor(next_obs)
    with torch.no_grad():
        next_q = q_net(next_obs).amax(1)  # expect
    y = torch.as_tensor(rewards).float() + gamma * next_q * (1 - torch.as_tensor(terminations).float())
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    obs = next_obs
""",
    # Indexing q[range(n), idx]: the same network picks and evaluates on one line.
    """\
import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    bs = len(a)
    with torch.no_grad():
        next_q = q_net(s2)[range(bs), q_net(s2).argmax(1)]  # expect
        y = r + gamma * next_q * (1 - d)
    q = q_net(s)[range(bs), a]
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The optimizer receives the parameters by keyword.
    """\
import torch
import torch.nn as nn


class Learner:
    def __init__(self, obs_dim, n_actions, gamma=0.99):
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions))
        self.optimizer = torch.optim.SGD(params=self.net.parameters(), lr=1e-2, momentum=0.9)
        self.gamma = gamma

    def learn(self, batch):
        state, action, reward, next_state, done = batch
        with torch.no_grad():
            best_next = self.net(next_state).max(1, keepdim=True)[0]  # expect
            y = reward.unsqueeze(1) + self.gamma * best_next * (1 - done.unsqueeze(1))
        q = self.net(state).gather(1, action.unsqueeze(1))
        loss = nn.functional.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A TD target that evaluates next states with the very network the optimizer trains."""
    for target in model.td_targets:
        for call in target.bootstrap_calls:
            network = model.bootstrap_network(call)
            if not model.is_trained_binding(network) or model.target_in_optimizer(network) is not None:
                continue  # a separate network that an optimizer holds is DQN010
            name = model.code(network)
            yield model.finding(
                RULE.code,
                RULE.name,
                call,
                f"The TD target evaluates next states with `{name}`, the network being trained, so every update "
                "moves its own target and Q can soft-diverge. Evaluate the bootstrap with a separate target network "
                f"(`copy.deepcopy({name})` synced every N steps); in Double DQN the online network only picks the "
                "argmax.",
                Severity.WARNING,
                fix=Fix(
                    Applicability.DISPLAY_ONLY,
                    f"Create `target = copy.deepcopy({name})` next to `{name}`, bootstrap with `target(...)`, and sync "
                    f"it every C steps with `target.load_state_dict({name}.state_dict())` (or a soft update with a small tau).",
                ),
            )


EXPERIMENT = Experiment(
    twin="dqn005_bootstrap_from_online",
    mechanism=(Probe.BOOTSTRAP_FROM_TRAINED,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("q_abs", "mean |Q|", "higher"),
        Measure("td_std", "TD-error std", "higher"),
    ),
    expectation=(
        "Without a target network every update moves its own target: the Nature DQN ablation scored "
        "about 0.6x, and |Q| soft-diverges (beyond r_max / (1 - gamma)) far more often."
    ),
)

RULE = Rule(
    code="DQN005",
    name="bootstrap-from-online",
    severity=Severity.WARNING,
    summary="The TD target bootstraps from the network being trained; there is no separate target network.",
    docs=RuleDocs(
        what_it_does="""
Checks that the bootstrap values of a TD target come from a network other than the trained network
(the one whose `.parameters()` an optimizer receives or, when no optimizer is visible, the one that
computes Q(s, a) on the prediction side of the loss). Reports the line of the bootstrap forward call
when it is made on the trained network itself. Double DQN is accepted when the trained network only
selects the next action and a separate target network evaluates it; when the trained network both
selects and evaluates, the evaluating call is reported.
""",
        why_is_this_bad="""
In DQN the regression target `r + gamma * max_a' Q(s', a')` should stay fixed while Q(s, a) is fitted
to it. When the bootstrap comes from the network being trained, each gradient step on Q(s, a) also
changes Q(s', .) (the states share parameters and generalise), so the target moves with the estimate:
an over-estimate at s' is fed back into s, then into the states before it, and the max over actions
keeps the errors that point upwards. Bootstrapping, function approximation and off-policy replay
together (the deadly triad) then make values grow without bound or oscillate. Mnih et al. (2015)
introduced the target network, a copy synced every C steps, to break this loop; van Hasselt et al.
(2018) found that it reduces how often the values diverge. Small problems sometimes still learn
without one, which is why this is a warning.
""",
        example="""
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
...
with torch.no_grad():
    y = r + gamma * q_net(s2).max(1).values * (1 - terminated)
loss = F.smooth_l1_loss(q_net(s).gather(1, a).squeeze(1), y)
""",
        use_instead="""
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
...
with torch.no_grad():
    y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
loss = F.smooth_l1_loss(q_net(s).gather(1, a).squeeze(1), y)
...
if step % target_update_interval == 0:
    target_net.load_state_dict(q_net.state_dict())
""",
        fix_safety="""
There is no automatic fix; the finding carries display-only advice: create a target network with
`copy.deepcopy(<online>)` next to the trained network, compute the bootstrap values with it, and
sync it with `target.load_state_dict(online.state_dict())` every C steps (or a soft update with a
small `tau`). Adding a target network is a change of algorithm with a new hyperparameter (the sync
interval), which the tool cannot choose for the program.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (the target network, Methods)",
            'van Hasselt, Guez and Silver (2016), "Deep Reinforcement Learning with Double Q-learning", '
            "AAAI 2016, https://arxiv.org/abs/1509.06461",
            'van Hasselt et al. (2018), "Deep Reinforcement Learning and the Deadly Triad", '
            "https://arxiv.org/abs/1812.02648",
            "Stable-Baselines3 DQN (`target_update_interval`, `tau`), "
            "https://stable-baselines3.readthedocs.io/en/master/modules/dqn.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.CALLEE, Observation.SHARES_TRAINED_STORAGE, "the bootstrap network is the trained one"),
)
