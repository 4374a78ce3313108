"""DQN006 target-never-synced: a separate target network that nothing ever updates.

A target network is a copy of the trained network that lags behind it: made once, then synced
every C steps (`load_state_dict`) or softly each step (Polyak). When the sync is missing, the copy
keeps its initial weights for the whole run: the TD target becomes `r + gamma * max Q_init(s')`,
a fixed random function, and the agent learns one-step rewards plus noise. The code looks like
DQN, runs, and does not learn. The rule speaks only when every write into the target is in view.
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
    # A deep copy synced every 1000 steps.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(step, s, a, r, s2, terminated):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
""",
    # Soft update in a loop over zipped parameters, chained in-place ops.
    """\
import copy

import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net, gamma=0.99, tau=0.005):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.gamma, self.tau = gamma, tau

    def learn(self, s, a, r, s2, done):
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + self.gamma * self.q_target(s2).max(1)[0] * (1 - done)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        for tp, p in zip(self.q_target.parameters(), self.q.parameters()):
            tp.data.mul_(1 - self.tau).add_(self.tau * p.data)


agent = Agent(torch.nn.Linear(4, 2))
""",
    # The PyTorch tutorial's soft update of the target's state dict.
    """\
import torch
import torch.nn as nn

TAU = 0.005
GAMMA = 0.99


class DQN(nn.Module):
    def __init__(self, n_obs, n_actions):
        super().__init__()
        self.layer = nn.Linear(n_obs, n_actions)

    def forward(self, x):
        return self.layer(x)


policy_net = DQN(4, 2)
target_net = DQN(4, 2)
target_net.load_state_dict(policy_net.state_dict())
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4)


def optimize(state_batch, action_batch, reward_batch, next_batch, terminated_batch):
    q = policy_net(state_batch).gather(1, action_batch)
    with torch.no_grad():
        next_values = target_net(next_batch).max(1).values
    expected = reward_batch + GAMMA * next_values * (1 - terminated_batch)
    loss = nn.SmoothL1Loss()(q, expected.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for step in range(1000):
    optimize(*[torch.zeros(8, 4)] * 5)
    target_sd = target_net.state_dict()
    policy_sd = policy_net.state_dict()
    for key in policy_sd:
        target_sd[key] = policy_sd[key] * TAU + target_sd[key] * (1 - TAU)
    target_net.load_state_dict(target_sd)
""",
    # A helper of the program syncs the target for its arguments.
    """\
import copy

import torch
import torch.nn.functional as F


def hard_update(target, source):
    target.load_state_dict(source.state_dict())


q_net = torch.nn.Linear(8, 4)
target_net = copy.deepcopy(q_net)
opt = torch.optim.Adam(q_net.parameters())


def train(batches, gamma=0.99):
    for i, (s, a, r, s2, d) in enumerate(batches):
        q = q_net(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * target_net(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(q, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i % 500 == 0:
            hard_update(target_net, q_net)
""",
    # Stable-Baselines3's polyak_update.
    """\
import copy

import torch as th
import torch.nn.functional as F
from stable_baselines3.common.utils import polyak_update

q_net = th.nn.Linear(4, 2)
q_net_target = copy.deepcopy(q_net)
optimizer = th.optim.Adam(q_net.parameters(), lr=1e-3)


def train_step(obs, actions, rewards, next_obs, dones, gamma=0.99, tau=1.0):
    with th.no_grad():
        next_q = q_net_target(next_obs).max(dim=1).values
        target_q = rewards + (1 - dones) * gamma * next_q
    current_q = q_net(obs).gather(1, actions).squeeze(1)
    loss = F.smooth_l1_loss(current_q, target_q)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    polyak_update(q_net.parameters(), q_net_target.parameters(), tau)
""",
    # The target is re-copied: a new deep copy replaces it every C steps.
    """\
import copy

import torch
import torch.nn.functional as F


class DQN:
    def __init__(self, net):
        self.net = net
        self.target = copy.deepcopy(net)
        self.opt = torch.optim.RMSprop(self.net.parameters(), lr=2.5e-4)

    def update_target(self):
        self.target = copy.deepcopy(self.net)

    def learn(self, s, a, r, s2, done, gamma=0.99):
        q = self.net(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * (1 - done) * self.target(s2).max(1)[0]
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


dqn = DQN(torch.nn.Linear(4, 2))
""",
    # Weights pulled from a parameter server through a library: a write the rule cannot read.
    """\
import copy

import torch
import torch.nn.functional as F
from param_server import pull_weights

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def refresh():
    target.load_state_dict(pull_weights("learner/online"))


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The target is handed to a library function, which may sync it.
    """\
import copy

import torch
import torch.nn.functional as F
from rl_utils import maybe_update_target

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(step, s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    maybe_update_target(step, target, online)
""",
    # The agent derives from a library class whose methods are not in view (they may sync).
    """\
import copy

import torch
import torch.nn.functional as F
from rl_framework import BaseAgent


class DQNAgent(BaseAgent):
    def __init__(self, net):
        super().__init__()
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.opt = torch.optim.Adam(self.q.parameters())

    def learn(self, s, a, r, s2, terminated, gamma=0.99):
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * self.q_target(s2).max(1)[0] * (1 - terminated)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


agent = DQNAgent(torch.nn.Linear(4, 2))
""",
    # An agent class no analysed code instantiates: its training loop (which may sync) is elsewhere.
    """\
import copy

import torch
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, net):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.opt = torch.optim.Adam(self.q.parameters())

    def learn(self, s, a, r, s2, terminated, gamma=0.99):
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * self.q_target(s2).max(1)[0] * (1 - terminated)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
""",
    # `lerp_` soft update with a configured tau.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online).requires_grad_(False)
optimizer = torch.optim.Adam(online.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99, tau=0.01):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for tp, p in zip(target.parameters(), online.parameters()):
            tp.lerp_(p, tau)
""",
)

INVALID: tuple[str, ...] = (
    # A deep copy that nothing ever syncs.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)  # expect
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, terminated):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # An agent class with a target and no method that updates it.
    """\
import copy

import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net, gamma=0.99):
        self.q = net
        self.q_target = copy.deepcopy(net)  # expect
        self.opt = torch.optim.Adam(self.q.parameters(), lr=5e-4)
        self.gamma = gamma

    def learn(self, s, a, r, s2, done):
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + self.gamma * (1 - done) * self.q_target(s2).max(1)[0]
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


agent = Agent(torch.nn.Linear(8, 4))
""",
    # A second construction: a different random network, never synced.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, x):
        return self.body(x)


q_net = QNet()
target_net = QNet()  # expect
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)


def update(obs, actions, rewards, next_obs, terminated, gamma=0.99):
    with torch.no_grad():
        target_max, _ = target_net(next_obs).max(dim=1)
        td_target = rewards + gamma * target_max * (1 - terminated)
    old_val = q_net(obs).gather(1, actions).squeeze()
    loss = F.mse_loss(td_target, old_val)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Copied once when it is made, never again: the target keeps the online net's initial weights.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, n_obs, n_actions):
        self.policy = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, n_actions))
        self.target = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, n_actions))  # expect
        self.target.load_state_dict(self.policy.state_dict())
        self.target.eval()
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=1e-3)

    def learn(self, s, a, r, s2, terminated, gamma=0.99):
        q = self.policy(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * self.target(s2).max(1)[0] * (1 - terminated)
        loss = F.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


agent = DQNAgent(4, 2)
""",
    # Frozen with requires_grad False, moved to the device, saved in checkpoints: still never synced.
    """\
import copy

import torch
import torch.nn.functional as F

device = torch.device("cpu")
online = torch.nn.Linear(4, 2).to(device)
target = copy.deepcopy(online)  # expect
target = target.to(device)
for p in target.parameters():
    p.requires_grad = False
optimizer = torch.optim.Adam(online.parameters())


def learn(step, s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10000 == 0:
        torch.save({"online": online.state_dict(), "target": target.state_dict()}, "ckpt.pt")
""",
    # The target reaches the TD target through helpers; none of them syncs it.
    """\
import copy

import torch
import torch.nn.functional as F


def bootstrap(target_net, next_obs):
    return target_net(next_obs).max(dim=1).values


def td_loss(q_net, target_net, batch, gamma):
    obs, actions, rewards, next_obs, terminated = batch
    q = q_net(obs).gather(1, actions).squeeze(1)
    with torch.no_grad():
        y = rewards + gamma * bootstrap(target_net, next_obs) * (1 - terminated)
    return F.smooth_l1_loss(q, y)


def train(batches):
    q_net = torch.nn.Linear(4, 2)
    target_net = copy.deepcopy(q_net)  # expect
    opt = torch.optim.Adam(q_net.parameters())
    for batch in batches:
        loss = td_loss(q_net, target_net, batch, 0.99)
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
    # Double DQN whose evaluating network is never updated.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)  # expect
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def double_dqn_update(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        best = online(s2).argmax(dim=1, keepdim=True)
        y = r + gamma * target(s2).gather(1, best).squeeze(1) * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A factory makes the frozen copy; the training loop never syncs it.
    """\
import copy

import torch
import torch.nn.functional as F


def make_target(net):
    target = copy.deepcopy(net)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


q = torch.nn.Linear(6, 3)
q_target = make_target(q)  # expect
opt = torch.optim.SGD(q.parameters(), lr=1e-2)

for step in range(10000):
    s, a, r, s2, term = (torch.zeros(32, 6), torch.zeros(32, 1, dtype=torch.long), torch.zeros(32),
                         torch.zeros(32, 6), torch.zeros(32))
    y = r + 0.99 * q_target(s2).max(1)[0] * (1 - term)
    loss = F.mse_loss(q(s).gather(1, a).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # Evaluation mode and a device move are no sync.
    """\
import copy

import torch
import torch.nn as nn


class Learner:
    def __init__(self, model, device="cpu"):
        self.model = model.to(device)
        self.target_model = copy.deepcopy(model)  # expect
        self.target_model.to(device)
        self.target_model.eval()
        self.optim = torch.optim.Adam(self.model.parameters(), lr=6.25e-5)

    def update(self, obs, act, rew, next_obs, done, gamma=0.99):
        q = self.model(obs).gather(1, act.unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            next_q = self.target_model(next_obs).max(1)[0]
            y = rew + gamma * next_q * (1 - done)
        loss = nn.functional.smooth_l1_loss(q, y)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()


learner = Learner(nn.Linear(4, 2))
""",
    # Restored from a checkpoint at start-up: a load from disk copies no network of the program.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)  # expect
checkpoint = torch.load("ckpt.pt")
online.load_state_dict(checkpoint["online"])
target.load_state_dict(checkpoint["target"])
optimizer = torch.optim.Adam(online.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Two constructions made equal once (the online net takes the target's weights), then never synced.
    """\
import torch
import torch.nn.functional as F
from torch import nn

policy_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))  # expect
policy_net.load_state_dict(target_net.state_dict())
optimizer = torch.optim.Adam(policy_net.parameters(), lr=1e-4)
loss_fn = nn.MSELoss()

for episode in range(500):
    s, a, r, s2, terminated = (torch.zeros(32, 4), torch.zeros(32, 1, dtype=torch.long), torch.zeros(32),
                               torch.zeros(32, 4), torch.zeros(32))
    with torch.no_grad():
        y = r + 0.95 * target_net(s2).max(1)[0] * (1 - terminated)
    loss = loss_fn(policy_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # n-step DQN with a loss module; the target is made in the loop's setup and left alone.
    """\
import copy

import torch
import torch.nn as nn


def main(buffer, steps=100_000, n=3, gamma=0.99):
    net = nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 4))
    tgt = copy.deepcopy(net)  # expect
    criterion = nn.SmoothL1Loss()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    for step in range(steps):
        s, a, ret, s_n, term = buffer.sample(64)
        with torch.no_grad():
            y = ret + gamma**n * tgt(s_n).max(1)[0] * (1 - term)
        loss = criterion(net(s).gather(1, a).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A separate bootstrap network whose every write is in view, none of them a sync."""
    reported: list = []
    for binding, call in model.bootstrap_bindings:
        if any(model.same_binding(binding, seen) for seen in reported):
            continue
        network = model.network(binding)
        if network.trained or network.shares_parameters_with_trained:
            continue  # DQN005, DQN001
        later = set(network.syncs_in + network.syncs_out) - set(network.initial_syncs)
        if not network.writes_in_view or later:
            continue  # synced (the wrong way round is DQN007)
        reported.append(binding)
        yield _finding(model, network, call)


def _finding(model: ProgramModel, network, call) -> Finding:
    name = model.code(network.binding)
    online = model.code(model.trained_networks[0]) if model.trained_networks else "the online network"
    once = " after the copy made when it is created" if network.initial_syncs else ""
    return model.finding(
        RULE.code,
        RULE.name,
        network.creations[0],
        f"`{name}` is a separate target network, but nothing in the program copies `{online}` into it{once} "
        "(no `load_state_dict`, no parameter copy, no soft update): it keeps its initial weights, so the TD "
        "target regresses toward a fixed random function. Sync it every C steps, "
        f"`{name}.load_state_dict({online}.state_dict())`, or softly after each update.",
        Severity.ERROR,
        related=[(f"the TD target bootstraps from `{name}` here", call)],
        fix=Fix(
            Applicability.DISPLAY_ONLY,
            f"In the training loop, every C updates (SB3 and the Nature DQN use C of 1000 to 10000 env steps): "
            f"`{name}.load_state_dict({online}.state_dict())`; or after each update, a soft update with a small tau.",
        ),
    )


EXPERIMENT = Experiment(
    twin="dqn006_target_never_synced",
    mechanism=(Probe.TARGET_NEVER_CHANGES,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("q_abs", "mean |Q|", "lower"),
    ),
    expectation=(
        "A target left at its initial weights makes Q regress to r + gamma * max Q_init(s'), about 1 on "
        "CartPole: |Q| stays near 1 instead of approaching 1 / (1 - gamma), and the greedy policy has no "
        "information beyond one step, so the return stays near random play."
    ),
)

RULE = Rule(
    code="DQN006",
    name="target-never-synced",
    severity=Severity.ERROR,
    summary="A separate target network bootstraps the TD target, but nothing ever copies the online network into it.",
    docs=RuleDocs(
        what_it_does="""
Checks that a target network, made as a deep copy of the online network or as a second
construction, is synced from the online network somewhere in the program: a `load_state_dict` of
its `state_dict()`, a copy over zipped parameters, a soft (Polyak) update, SB3's `polyak_update`, or
a helper of the program that does one of these. Reports the statement that makes the target when
no such sync exists, or when the only one runs once, right after the target is made.

The rule speaks only when every use of the target is in view: it is silent when the target is
loaded from a checkpoint, handed to a function of a library, reached through one of its attributes,
bound more than once, or held by an object whose class no analysed code instantiates or which
derives from a library class (their code may sync it).
""",
        why_is_this_bad="""
DQN regresses Q(s, a) towards `r + gamma * max_a' Q_target(s', a')`; the target network is the
online network as it was at the last sync (Mnih et al. 2015). Without a sync the target stays at
its initial weights: the regression target is `r + gamma * max Q_init(s')`, a fixed function of
random weights, so Q learns the immediate reward plus noise and nothing propagates beyond one step.
The loss goes down, the code looks like DQN, and the return stays near random play. A copy made
once at construction (`target.load_state_dict(online.state_dict())` in `__init__`) only moves the
starting point: the target then stays at the online network's initial weights.
""",
        example="""
import copy

online = QNetwork()
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
for step in range(total_steps):
    ...
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    ...
    optimizer.step()
""",
        use_instead="""
import copy

online = QNetwork()
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
for step in range(total_steps):
    ...
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    ...
    optimizer.step()
    if step % target_update_interval == 0:
        target.load_state_dict(online.state_dict())
""",
        fix_safety="""
No automatic fix: where the sync belongs (which loop, how often, hard or soft) is a design choice
the rule cannot make. The finding shows the line to add.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (the target network, updated every C steps)",
            'Lillicrap et al. (2016), "Continuous control with deep reinforcement learning" (soft target '
            "updates), https://arxiv.org/abs/1509.02971",
            "Stable-Baselines3 DQN (`target_update_interval`, `tau`), "
            "https://stable-baselines3.readthedocs.io/en/master/modules/dqn.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.RELATED_CALLEE, Observation.WEIGHTS_UNCHANGED, "the target network's weights never change"),
)
