"""DQN010 target-in-optimizer: the optimizer holds the target network's parameters.

A target network is changed only by syncs. When its parameters are also given to the optimizer
(`Adam(list(q.parameters()) + list(target.parameters()))`, or `Adam(agent.parameters())` for a
module that holds both networks), the target is one gradient, one weight-decay step or one
`requires_grad` slip away from being trained between syncs; the code looks right and nothing fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.experiment import Observation, ProbeSite, RuntimeProbe
from dqn_lint.rule import Rule, RuleDocs

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel

VALID: tuple[str, ...] = (
    # Only the online network's parameters.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A container module, but the optimizer gets the online submodule only.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(4, 2)
        self.q_target = copy.deepcopy(self.q)

    def forward(self, x):
        return self.q(x)


agent = Agent()
optimizer = torch.optim.Adam(agent.q.parameters(), lr=1e-3)


def learn(step, s, a, r, s2, terminated, gamma=0.99):
    q = agent(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * agent.q_target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        agent.q_target.load_state_dict(agent.q.state_dict())
""",
    # Actor and critic in one optimizer; the target critic is separate.
    """\
import copy

import torch
import torch.nn.functional as F

q1 = torch.nn.Linear(4, 2)
q2 = torch.nn.Linear(4, 2)
q1_target = copy.deepcopy(q1)
optimizer = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), lr=3e-4)


def learn(s, a, r, s2, terminated, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * q1_target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q1(s).gather(1, a).squeeze(1), y) + F.mse_loss(q2(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Double Q-learning: each network is trained and bootstraps the other's update.
    """\
import torch
import torch.nn.functional as F

q_a = torch.nn.Linear(4, 2)
q_b = torch.nn.Linear(4, 2)
opt_a = torch.optim.Adam(q_a.parameters())
opt_b = torch.optim.Adam(q_b.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    with torch.no_grad():
        best = q_a(s2).argmax(1, keepdim=True)
        y_a = r + gamma * q_b(s2).gather(1, best).squeeze(1) * (1 - terminated)
    loss_a = F.mse_loss(q_a(s).gather(1, a).squeeze(1), y_a)
    opt_a.zero_grad()
    loss_a.backward()
    opt_a.step()
    with torch.no_grad():
        best = q_b(s2).argmax(1, keepdim=True)
        y_b = r + gamma * q_a(s2).gather(1, best).squeeze(1) * (1 - terminated)
    loss_b = F.mse_loss(q_b(s).gather(1, a).squeeze(1), y_b)
    opt_b.zero_grad()
    loss_b.backward()
    opt_b.step()
""",
    # The filter keeps only trainable parameters, and the target is frozen - but the target is not passed.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online).requires_grad_(False)
optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, online.parameters()), lr=1e-3)


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # An agent class: the optimizer is built over self.q only.
    """\
import copy

import torch
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, net):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.optimizer = torch.optim.RMSprop(self.q.parameters(), lr=2.5e-4)

    def learn(self, s, a, r, s2, terminated, gamma=0.99):
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * self.q_target(s2).max(1).values * (1 - terminated)
        loss = F.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


agent = DQNAgent(torch.nn.Linear(4, 2))
""",
    # Parameter groups with different learning rates, all of the online network.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam([
    {"params": online[0].parameters(), "lr": 1e-4},
    {"params": online[2].parameters(), "lr": 1e-3},
])


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # No target network at all: that is DQN005's finding, not this rule's.
    """\
import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(q_net.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * q_net(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The online network's encoder and head in one optimizer; the target is apart.
    """\
import copy

import torch
import torch.nn.functional as F

encoder = torch.nn.Linear(8, 32)
head = torch.nn.Linear(32, 4)
online = torch.nn.Sequential(encoder, head)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=1e-4)


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A target aliasing the online network is DQN001's finding, not this rule's.
    """\
import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = online
optimizer = torch.optim.Adam(list(online.parameters()) + list(target.parameters()))


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
)

INVALID: tuple[str, ...] = (
    # Both networks' parameters concatenated into one optimizer.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(list(online.parameters()) + list(target.parameters()), lr=1e-3)  # expect


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A module that holds both networks, optimized as a whole.
    """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(4, 2)
        self.q_target = copy.deepcopy(self.q)

    def forward(self, x):
        return self.q(x)


agent = Agent()
optimizer = torch.optim.Adam(agent.parameters(), lr=1e-3)  # expect


def learn(step, s, a, r, s2, terminated, gamma=0.99):
    q = agent(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * agent.q_target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        agent.q_target.load_state_dict(agent.q.state_dict())
""",
    # itertools.chain over both networks.
    """\
import copy
import itertools

import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(4, 2)
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.RMSprop(itertools.chain(q_net.parameters(), target_net.parameters()), lr=2.5e-4)  # expect


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Parameter groups: the target gets a group of its own.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam([{"params": online.parameters()}, {"params": target.parameters(), "lr": 1e-5}])  # expect


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Unpacked into one list.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.SGD([*online.parameters(), *target.parameters()], lr=1e-2)  # expect


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # An agent class whose optimizer takes both attributes.
    """\
import copy

import torch
import torch.nn.functional as F


class DQNAgent:
    def __init__(self, net):
        self.q = net
        self.q_target = copy.deepcopy(net)
        params = list(self.q.parameters()) + list(self.q_target.parameters())
        self.optimizer = torch.optim.Adam(params, lr=5e-4)  # expect

    def learn(self, s, a, r, s2, terminated, gamma=0.99):
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * self.q_target(s2).max(1).values * (1 - terminated)
        loss = F.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


agent = DQNAgent(torch.nn.Linear(4, 2))
""",
    # A second construction, handed to the optimizer with the online network.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 2)

    def forward(self, x):
        return self.body(x)


policy_net = QNet()
target_net = QNet()
target_net.load_state_dict(policy_net.state_dict())
optimizer = torch.optim.AdamW(list(policy_net.parameters()) + list(target_net.parameters()), lr=1e-4)  # expect


def optimize(s, a, r, s2, terminated, gamma=0.99):
    q = policy_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The bootstrap pass also keeps its graph: the target is trained outright (DQN002 too).
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(list(online.parameters()) + list(target.parameters()), lr=1e-3)  # expect


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    y = r + gamma * target(s2).max(1).values * (1 - terminated)  # expect: DQN002
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A container whose target is a second construction.
    """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class DuelingAgent(nn.Module):
    def __init__(self, n_obs=8, n_act=4):
        super().__init__()
        self.online = nn.Sequential(nn.Linear(n_obs, 64), nn.ReLU(), nn.Linear(64, n_act))
        self.target = nn.Sequential(nn.Linear(n_obs, 64), nn.ReLU(), nn.Linear(64, n_act))

    def forward(self, x):
        return self.online(x)


model = DuelingAgent()
opt = torch.optim.Adam(model.parameters(), lr=6.25e-5, eps=1.5e-4)  # expect


def update(step, s, a, r, s2, terminated, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * model.target(s2).max(1).values * (1 - terminated)
    loss = F.smooth_l1_loss(model(s).gather(1, a).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 1000 == 0:
        model.target.load_state_dict(model.online.state_dict())
""",
    # The target's parameters appended to the online network's list.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
params = list(online.parameters())
params += list(target.parameters())
optimizer = torch.optim.Adam(params)  # expect


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A separate bootstrap network whose parameters an optimizer holds."""
    reported: set = set()
    for target in model.td_targets:
        for call in target.bootstrap_calls:
            network = model.bootstrap_network(call)
            optimizer = model.target_in_optimizer(network)
            if optimizer is None or optimizer in reported:
                continue
            reported.add(optimizer)
            name = model.code(network)
            online = model.code(model.prediction_networks[0])
            yield model.finding(
                RULE.code,
                RULE.name,
                optimizer,
                f"This optimizer is given the parameters of the target network `{name}`: any gradient that reaches "
                "them (a bootstrap pass outside `torch.no_grad()`), weight decay, or a `zero_grad(set_to_none=False)` "
                f"with weight decay moves the target between syncs, and then it no longer holds the TD target still. "
                f"Give the optimizer the online network's parameters only (`{online}.parameters()`).",
                Severity.ERROR,
                related=[(f"the TD target bootstraps from `{name}` here", call)],
                fix=Fix(
                    Applicability.DISPLAY_ONLY,
                    f"Build the optimizer over `{online}.parameters()` alone; keep `{name}` out of it (and freeze it with "
                    f"`{name}.requires_grad_(False)`).",
                ),
            )


RULE = Rule(
    code="DQN010",
    name="target-in-optimizer",
    severity=Severity.ERROR,
    summary="The optimizer is given the target network's parameters, so the target can be trained between syncs.",
    docs=RuleDocs(
        what_it_does="""
Checks the parameters given to every torch optimizer. Reports the optimizer when it holds the
parameters of a separate target network (a deep copy or a second construction that bootstraps
the TD target while another network makes the predictions): concatenated lists, `itertools.chain`,
unpacking, a parameter group of its own, or a container module that holds both networks
(`Adam(agent.parameters())` where `agent.q_target` is a submodule). A target that is the online
network under another name is DQN001's finding; no target network at all is DQN005's.
""",
        why_is_this_bad="""
The target network must change only when it is synced, so that the regression target stays fixed
in between (Mnih et al. 2015). An optimizer that holds its parameters trains it whenever a
gradient reaches them: a bootstrap pass outside `torch.no_grad()` (DQN002) then moves the target
toward the prediction, the feedback loop the target network exists to break. Even under
`no_grad`, an optimizer with weight decay shrinks every parameter that has a gradient tensor, and
`zero_grad(set_to_none=False)` gives the target zero-filled gradients, so AdamW decays the target
between syncs. The parameters also cost optimizer state (Adam keeps two moments per parameter).
""",
        example="""
online = QNetwork()
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(list(online.parameters()) + list(target.parameters()), lr=1e-3)
""",
        use_instead="""
online = QNetwork()
target = copy.deepcopy(online).requires_grad_(False)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
""",
        fix_safety="""
No automatic fix: which parameters belong to the online network (a container's submodules, a
shared encoder, parameter groups with their own settings) is a design the rule shows but does not
rewrite. The finding says what to pass instead.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (the target network)",
            "PyTorch docs, `torch.optim` (parameter groups, `weight_decay`), https://pytorch.org/docs/stable/optim.html",
            "PyTorch docs, `torch.optim.Optimizer.zero_grad` (`set_to_none`), "
            "https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    runtime_probe=RuntimeProbe(ProbeSite.RELATED_CALLEE, Observation.HELD_BY_OPTIMIZER,
                               "an optimizer holds the target network's parameters"),
)
