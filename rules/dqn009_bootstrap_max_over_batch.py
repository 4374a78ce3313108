"""DQN009 bootstrap-max-over-batch: the bootstrap takes its max over the batch, not over actions.

The TD target needs, for every transition, `max_a' Q(s', a')`: a max over the action dimension of
the `[batch, actions]` output. `.max()` with no dimension takes one number for the whole batch;
`.max(0)` / `dim=0` takes, per action, the best value over all next states. Either broadcasts back
against the rewards without an error, and every transition then bootstraps from some other
state's value.
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
    # max over the action dimension of a sampled batch.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # torch.max with its dimension; dim=-1 is the action dimension too.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    with torch.no_grad():
        best, _ = torch.max(target(s2), dim=-1)
        y = r + gamma * best * (1 - terminated)
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # One transition at a time: a single state's Q-values have no batch dimension.
    """\
import random

import numpy as np
import torch
import torch.nn.functional as F

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
memory = []


def replay(batch_size=32, gamma=0.95):
    minibatch = random.sample(memory, batch_size)
    for state, action, reward, next_state, done in minibatch:
        target = reward
        if not done:
            target = reward + gamma * torch.max(model(torch.as_tensor(next_state))).item()
        q = model(torch.as_tensor(state))
        expected = q.detach().clone()
        expected[action] = target
        loss = F.mse_loss(q, expected)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # Indexing a batch sample by sample: `s2[i]` is one state.
    """\
import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(4, 2)
target_net = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q_net.parameters())


def learn(s, a, r, s2, d, gamma=0.99):
    targets = q_net(s).detach().clone()
    for i in range(len(r)):
        targets[i][a[i]] = r[i] if d[i] else r[i] + gamma * target_net(s2[i]).max()
    loss = F.mse_loss(q_net(s), targets)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # A batch of one (`unsqueeze(0)`), reduced as a whole.
    """\
import torch
import torch.nn.functional as F

q = torch.nn.Linear(4, 2)
q_target = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(q.parameters(), lr=1e-3)


def td_step(s, a, r, s2, terminated, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * q_target(s2.unsqueeze(0)).max() * (1 - terminated)
    loss = F.mse_loss(q(s.unsqueeze(0))[0, a], y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # amax over the last dimension of stacked next states.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(transitions, gamma=0.99):
    s2 = torch.stack([t.next_state for t in transitions])
    s = torch.stack([t.state for t in transitions])
    r = torch.tensor([t.reward for t in transitions])
    d = torch.tensor([t.terminated for t in transitions], dtype=torch.float32)
    a = torch.tensor([[t.action] for t in transitions])
    with torch.no_grad():
        y = r + gamma * target(s2).amax(dim=-1) * (1 - d)
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Inputs whose origin the model cannot see (arguments of an uncalled function): nothing is claimed.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target(s2).max() * (1 - terminated)
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Double DQN: argmax over actions, gather, on a sampled batch.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(32)
    with torch.no_grad():
        best = online(s2).argmax(dim=1, keepdim=True)
        y = r + gamma * target(s2).gather(1, best).squeeze(1) * (1 - terminated)
    loss = F.smooth_l1_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Clipped double Q: an element-wise max of two tensors is not a reduction.
    """\
import copy

import torch
import torch.nn.functional as F

q1 = torch.nn.Linear(4, 2)
q2 = torch.nn.Linear(4, 2)
q1_t, q2_t = copy.deepcopy(q1), copy.deepcopy(q2)
optimizer = torch.optim.Adam([*q1.parameters(), *q2.parameters()])


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    with torch.no_grad():
        both = torch.max(q1_t(s2), q2_t(s2))
        y = r + gamma * both.max(1).values * (1 - terminated)
    loss = F.mse_loss(q1(s).gather(1, a).squeeze(1), y) + F.mse_loss(q2(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # numpy's max over axis 1 of a sampled batch's Q-values.
    """\
import numpy as np
import torch

q_net = torch.nn.Linear(4, 2)
target_net = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(q_net.parameters())


def learn(buffer, gamma=0.99):
    s, a, r, s2, d = buffer.sample(64)
    next_q = target_net(torch.as_tensor(s2)).detach().numpy()
    y = torch.as_tensor(r + gamma * np.max(next_q, axis=1) * (1 - d), dtype=torch.float32)
    loss = ((q_net(torch.as_tensor(s)).gather(1, torch.as_tensor(a)).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
)

INVALID: tuple[str, ...] = (
    # `.max()` with no dimension: one number for the whole batch.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    with torch.no_grad():
        y = r + gamma * target(s2).max() * (1 - terminated)  # expect
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `max(0)`: per action, the best value over all next states.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    with torch.no_grad():
        y = r + gamma * target(s2).max(0)[0] * (1 - terminated)  # expect
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # torch.max with one argument.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    with torch.no_grad():
        y = r + gamma * torch.max(target(s2)) * (1 - terminated)  # expect
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # dim=0 given by keyword, on stacked next states.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(transitions, gamma=0.99):
    s2 = torch.stack([t.next_state for t in transitions])
    s = torch.stack([t.state for t in transitions])
    r = torch.tensor([t.reward for t in transitions])
    d = torch.tensor([t.terminated for t in transitions], dtype=torch.float32)
    a = torch.tensor([[t.action] for t in transitions])
    with torch.no_grad():
        y = r + gamma * target(s2).max(dim=0).values * (1 - d)  # expect
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The next values kept in a variable, reduced over everything.
    """\
import copy

import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(8, 4)
target_net = copy.deepcopy(q_net)
opt = torch.optim.RMSprop(q_net.parameters(), lr=2.5e-4)


def update(memory, gamma=0.99):
    states, actions, rewards, next_states, dones = memory.sample(32)
    with torch.no_grad():
        next_q = target_net(next_states)
        target = rewards + gamma * next_q.max() * (1 - dones)  # expect
    loss = F.smooth_l1_loss(q_net(states).gather(1, actions).squeeze(1), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # amax with no dimension, the batch moved to the device first.
    """\
import copy

import torch
import torch.nn.functional as F

device = torch.device("cpu")
online = torch.nn.Linear(4, 2).to(device)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(128)
    s2 = s2.to(device)
    with torch.no_grad():
        y = r + gamma * target(s2).amax() * (1 - terminated)  # expect
    loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The batch converted from numpy before the pass.
    """\
import copy

import numpy as np
import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    next_states = torch.as_tensor(np.array(s2), dtype=torch.float32)
    with torch.no_grad():
        y = r + gamma * target(next_states).max(0).values * (1 - terminated)  # expect
    loss = F.mse_loss(online(torch.as_tensor(s)).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # An agent class: the buffer's sample, reduced with no dimension.
    """\
import copy

import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net, buffer, gamma=0.99):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.buffer = buffer
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=5e-4)

    def learn(self, batch_size=64):
        s, a, r, s2, d = self.buffer.sample(batch_size)
        with torch.no_grad():
            y = r + self.gamma * self.q_target(s2).max() * (1 - d)  # expect
        loss = F.mse_loss(self.q(s).gather(1, a).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
""",
    # numpy max with no axis over the batch's Q-values.
    """\
import numpy as np
import torch

q_net = torch.nn.Linear(4, 2)
target_net = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(q_net.parameters())


def learn(buffer, gamma=0.99):
    s, a, r, s2, d = buffer.sample(64)
    next_q = target_net(torch.as_tensor(s2)).detach().numpy()
    y = torch.as_tensor(r + gamma * np.max(next_q) * (1 - d), dtype=torch.float32)  # expect
    loss = ((q_net(torch.as_tensor(s)).gather(1, torch.as_tensor(a)).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Concatenated next states (the PyTorch tutorial's layout), reduced over dimension 0.
    """\
import copy

import torch
import torch.nn.functional as F

policy_net = torch.nn.Linear(4, 2)
target_net = copy.deepcopy(policy_net)
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4)


def optimize(batch, gamma=0.99):
    next_states = torch.cat(batch.next_state)
    states = torch.cat(batch.state)
    actions = torch.cat(batch.action)
    rewards = torch.cat(batch.reward)
    terminated = torch.cat(batch.terminated)
    with torch.no_grad():
        next_values = target_net(next_states).max(0).values
    expected = rewards + gamma * next_values * (1 - terminated)  # expect
    loss = F.smooth_l1_loss(policy_net(states).gather(1, actions).squeeze(1), expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A bootstrap max with no dimension or dimension 0, over a network's output on a whole batch."""
    for target in model.td_targets:
        for forward, max_call in target.maxima:
            how = model.max_over_batch(max_call)
            if how is None or not model.runs_on_batch(forward):
                continue
            detail = (
                "reduces over every dimension, batch included: every transition bootstraps from the one largest "
                "Q-value of the whole batch"
                if how == "all"
                else "reduces over dimension 0, the batch: each transition bootstraps from the best value of that "
                "action over all next states of the batch"
            )
            yield model.finding(
                RULE.code,
                RULE.name,
                target.node,
                f"The bootstrap's `{model.code(max_call)}` {detail}. Take the max over the action dimension: "
                "`.max(dim=-1).values` (`dim=1` for `[batch, actions]` Q-values).",
                Severity.ERROR,
                related=[("the max over the batch is here", max_call)],
                fix=_fix(model, max_call, how),
            )


def _fix(model: ProgramModel, call, how: str) -> Fix:
    """dim 0 becomes -1; a max with no dimension gets `dim=-1` (and `.values` where `max` then returns a
    pair). The actions are the last dimension of a Q-network's output in `[batch, actions]` and in
    layouts with more leading dimensions (seeds, ensembles) alike."""
    import libcst as cst

    from dqn_lint.fixes.builders import replace_node
    from dqn_lint.model.source import positional_args

    advice = Fix(Applicability.DISPLAY_ONLY, "Reduce over the action dimension: `.max(dim=-1).values`.")
    args = positional_args(call)
    if how == "first":
        edit = replace_node(model.source, model.max_dimension(call), "-1")
        return Fix(Applicability.UNSAFE, "Reduce over the last dimension, the actions.", (edit,))
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("max", "amax") and not call.args:
        receiver = model.code(call.func.value)
        method = call.func.attr.value
        replacement = f"{receiver}.max(dim=-1).values" if method == "max" else f"{receiver}.amax(dim=-1)"
        return Fix(Applicability.UNSAFE, "Reduce over the last dimension, the actions.", (replace_node(model.source, call, replacement),))
    names = model.source.qualified_names(call.func)
    if len(args) == 1 and len(call.args) == 1:
        function, argument = model.code(call.func), model.code(args[0].value)
        if "torch.max" in names:
            replacement = f"{function}({argument}, dim=-1).values"
        elif "torch.amax" in names:
            replacement = f"{function}({argument}, dim=-1)"
        elif names & {"numpy.max", "numpy.amax"}:
            replacement = f"{function}({argument}, axis=-1)"
        else:
            return advice
        return Fix(Applicability.UNSAFE, "Reduce over the last dimension, the actions.", (replace_node(model.source, call, replacement),))
    return advice


EXPERIMENT = Experiment(
    twin="dqn009_bootstrap_max_over_batch",
    mechanism=(Probe.BOOTSTRAP_SHARED_BY_BATCH,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("q_abs", "mean |Q|", "higher"),
    ),
    expectation=(
        "With one maximum shared by the whole batch, every transition bootstraps from the most optimistic "
        "next state sampled: the values over-estimate (|Q| above the reference's) and stop telling states "
        "apart, so the greedy policy learns little."
    ),
)

RULE = Rule(
    code="DQN009",
    name="bootstrap-max-over-batch",
    severity=Severity.ERROR,
    summary="The bootstrap's max reduces over the batch (no dimension, or dimension 0) instead of over actions.",
    docs=RuleDocs(
        what_it_does="""
Checks the max that reduces a bootstrap network's output in a TD target: `.max()` / `.amax()`
with no dimension, `.max(0)`, `dim=0`, `torch.max(q)` with one argument, or `np.max(q)` with no
axis. Reports the TD target when the network ran on a whole batch: its input comes (through
tensor conversions and device moves) from a buffer's `sample(n)` or from stacking states
(`torch.stack`, `torch.cat`, `np.stack`). One transition's Q-values (`model(s2[i])`, a state
from a loop over the minibatch, a batch of one made with `unsqueeze(0)`) have no batch dimension,
and a max over them is right: those are not reported, nor is a network whose input the model
cannot trace to a batch.
""",
        why_is_this_bad="""
The TD target is `r_i + gamma * max_a' Q(s'_i, a')` for each transition i. A max over the batch
gives every transition the same bootstrap value (the largest Q of any next state sampled), or per
action the best value over all next states; broadcasting then adds it to every reward without an
error. Each transition regresses toward another state's value: the values over-estimate, stop
depending on the state, and the policy does not learn from the target it seems to compute.
""",
        example="""
with torch.no_grad():
    next_q = target(next_states).max()
y = rewards + gamma * next_q * (1 - terminated)
""",
        use_instead="""
with torch.no_grad():
    next_q = target(next_states).max(dim=1).values
y = rewards + gamma * next_q * (1 - terminated)
""",
        fix_safety="""
The fix makes the max reduce the last dimension, where a Q-network puts its actions (`dim=1` of
`[batch, actions]`, and still the actions when seeds or ensemble members come first): `0` becomes
`-1`; `.max()` becomes `.max(dim=-1).values` (`.max` with a dimension returns values and indices),
`.amax()` becomes `.amax(dim=-1)`, `torch.max(q)` becomes `torch.max(q, dim=-1).values` and
`np.max(q)` becomes `np.max(q, axis=-1)`. It is unsafe: it changes what is trained, and a network
whose actions are not its last dimension (distributional atoms after them) needs its own.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (the target y_j = r_j + gamma max_a' Q(s_{j+1}, a'))",
            "PyTorch docs, `torch.max` (with and without `dim`), https://pytorch.org/docs/stable/generated/torch.max.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.RELATED, Observation.ONE_VALUE_FOR_BATCH, "the bootstrap maximum is one number for the batch"),
)
