"""DQN012 missing-zero-grad: the optimizer steps on gradients that are never cleared.

PyTorch adds every `backward()` into the parameters' `.grad`; only `optimizer.zero_grad()` (or
`model.zero_grad()`, or `.grad = None`) clears it. Without one, update k applies the sum of the
gradients of updates 1..k: the effective step grows with training, and an adaptive optimizer's
normalisation hides it only partly. The loss is computed correctly and the code runs, so nothing
points at the missing line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.rule import Rule, RuleDocs
from dqn_lint.experiment import Experiment, Measure, Observation, Probe, ProbeSite, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import Optimizer, ProgramModel

VALID: tuple[str, ...] = (
    # zero_grad before backward, the usual order.
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
    loss = F.smooth_l1_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # zero_grad after the step also clears before the next backward.
    """\
import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(4, 2)
opt = torch.optim.RMSprop(q_net.parameters(), lr=2.5e-4)


def update(s, a, r, next_values, gamma=0.99):
    loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), r + gamma * next_values)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
""",
    # The network's own zero_grad clears the same gradients.
    """\
import torch
import torch.nn.functional as F

policy_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(policy_net.parameters())


def optimize(s, a, r, next_values, gamma=0.99):
    y = r + gamma * next_values
    policy_net.zero_grad()
    loss = F.smooth_l1_loss(policy_net(s).gather(1, a).squeeze(1), y)
    loss.backward()
    optimizer.step()
""",
    # Gradients set to None by hand.
    """\
import torch

net = torch.nn.Linear(8, 4)
opt = torch.optim.SGD(net.parameters(), lr=1e-2)


def train_step(s, a, r, next_values, gamma=0.99):
    y = r + gamma * next_values
    for p in net.parameters():
        p.grad = None
    loss = ((net(s).gather(1, a).squeeze(1) - y) ** 2).mean()
    loss.backward()
    opt.step()
""",
    # A helper that receives the optimizer clears it.
    """\
import torch
import torch.nn.functional as F


def apply_gradients(optimizer, loss, params, max_norm=10.0):
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    optimizer.step()


q = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())


def learn(s, a, r, next_values, gamma=0.99):
    apply_gradients(opt, F.mse_loss(q(s).gather(1, a).squeeze(1), r + gamma * next_values), q.parameters())
""",
    # Gradient accumulation over micro-batches, cleared after each step.
    """\
import torch
import torch.nn.functional as F

q = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())


def learn(micro_batches, accumulate=4, gamma=0.99):
    for i, (s, a, r, next_values) in enumerate(micro_batches):
        loss = F.mse_loss(q(s).gather(1, a).squeeze(1), r + gamma * next_values) / accumulate
        loss.backward()
        if (i + 1) % accumulate == 0:
            opt.step()
            opt.zero_grad()
""",
    # The optimizer goes to a library trainer, which may clear it: nothing is claimed.
    """\
import torch
import torch.nn.functional as F
from rl_trainer import run_update

q = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())


def learn(s, a, r, next_values, gamma=0.99):
    loss = F.mse_loss(q(s).gather(1, a).squeeze(1), r + gamma * next_values)
    loss.backward()
    run_update(opt)
    opt.step()
""",
    # An agent class whose training loop is elsewhere (it may call agent.optimizer.zero_grad()).
    """\
import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net):
        self.q = net
        self.optimizer = torch.optim.Adam(self.q.parameters())

    def learn(self, s, a, r, next_values, gamma=0.99):
        loss = F.mse_loss(self.q(s).gather(1, a).squeeze(1), r + gamma * next_values)
        loss.backward()
        self.optimizer.step()
""",
    # Two optimizers (actor and critic), each cleared.
    """\
import torch

actor = torch.nn.Linear(4, 2)
critic = torch.nn.Linear(6, 1)
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-4)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)


def update(s, a, r, next_values, gamma=0.99):
    y = r + gamma * next_values
    critic_loss = ((critic(torch.cat([s, a], 1)).squeeze(1) - y) ** 2).mean()
    critic_opt.zero_grad()
    critic_loss.backward()
    critic_opt.step()
    actor_loss = -critic(torch.cat([s, actor(s)], 1)).mean()
    actor_opt.zero_grad()
    actor_loss.backward()
    actor_opt.step()
""",
    # One step at module level, once: gradients start at None, there is nothing to accumulate.
    """\
import torch

net = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
gamma = 0.99
loss = (net(torch.zeros(1, 4)) * gamma).sum()
loss.backward()
opt.step()
""",
)

INVALID: tuple[str, ...] = (
    # No zero_grad anywhere: every update applies the sum of all gradients so far.
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
    loss = F.smooth_l1_loss(q, y)
    loss.backward()
    optimizer.step()  # expect
""",
    # An agent class trained by its own loop, with no zero_grad.
    """\
import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net):
        self.q = net
        self.optimizer = torch.optim.Adam(self.q.parameters(), lr=5e-4)

    def learn(self, s, a, r, next_values, gamma=0.99):
        y = r + gamma * next_values
        loss = F.mse_loss(self.q(s).gather(1, a).squeeze(1), y)
        loss.backward()
        self.optimizer.step()  # expect


agent = Agent(torch.nn.Linear(4, 2))
for _ in range(1000):
    agent.learn(torch.zeros(8, 4), torch.zeros(8, 1, dtype=torch.long), torch.zeros(8), torch.zeros(8))
""",
    # A training loop at module level.
    """\
import torch
import torch.nn as nn

q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.RMSprop(q_net.parameters(), lr=2.5e-4)
criterion = nn.SmoothL1Loss()
gamma = 0.99

for step in range(10_000):
    s, a, r, next_values = torch.zeros(32, 4), torch.zeros(32, 1, dtype=torch.long), torch.zeros(32), torch.zeros(32)
    y = r + gamma * next_values
    loss = criterion(q_net(s).gather(1, a).squeeze(1), y)
    loss.backward()
    optimizer.step()  # expect
""",
    # zero_grad of the other optimizer does not clear this one.
    """\
import torch

actor = torch.nn.Linear(4, 2)
critic = torch.nn.Linear(6, 1)
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-4)
critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)


def update(s, a, r, next_values, gamma=0.99):
    y = r + gamma * next_values
    critic_loss = ((critic(torch.cat([s, a], 1)).squeeze(1) - y) ** 2).mean()
    critic_opt.zero_grad()
    critic_loss.backward()
    critic_opt.step()
    actor_loss = -critic(torch.cat([s, actor(s)], 1)).mean()
    actor_loss.backward()
    actor_opt.step()  # expect
""",
    # A helper steps the optimizer it is given; nothing clears it.
    """\
import torch
import torch.nn.functional as F


def apply_gradients(optimizer, loss):
    loss.backward()
    optimizer.step()  # expect


q = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())


def learn(s, a, r, next_values, gamma=0.99):
    apply_gradients(opt, F.mse_loss(q(s).gather(1, a).squeeze(1), r + gamma * next_values))
""",
    # Gradient clipping between backward and step, still no zero_grad.
    """\
import torch
import torch.nn.functional as F

net = torch.nn.Linear(8, 4)
opt = torch.optim.Adam(net.parameters(), lr=1e-4)


def train_step(s, a, r, next_values, gamma=0.99):
    y = r + gamma * next_values
    loss = F.huber_loss(net(s).gather(1, a).squeeze(1), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
    opt.step()  # expect
""",
    # A learning-rate schedule reads the optimizer; it does not clear it.
    """\
import torch
import torch.nn.functional as F

q = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=1000, gamma=0.5)


def learn(s, a, r, next_values, gamma=0.99):
    loss = F.mse_loss(q(s).gather(1, a).squeeze(1), r + gamma * next_values)
    loss.backward()
    opt.step()  # expect
    schedule.step()
""",
    # The optimizer made in a function and used in its loop.
    """\
import copy

import torch
import torch.nn.functional as F


def train(batches, gamma=0.99):
    q = torch.nn.Linear(4, 2)
    q_target = copy.deepcopy(q)
    opt = torch.optim.SGD(q.parameters(), lr=1e-3, momentum=0.9)
    for i, (s, a, r, s2, d) in enumerate(batches):
        with torch.no_grad():
            y = r + gamma * q_target(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(q(s).gather(1, a).squeeze(1), y)
        loss.backward()
        opt.step()  # expect
        if i % 100 == 0:
            q_target.load_state_dict(q.state_dict())
""",
    # The attribute holds the optimizer for methods of a class derived from nn.Module.
    """\
import torch
import torch.nn as nn


class DQN(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 2)
        self.optim = torch.optim.Adam(self.parameters(), lr=6.25e-5)

    def forward(self, x):
        return self.body(x)

    def update(self, s, a, r, next_values, gamma=0.99):
        y = r + gamma * next_values
        loss = nn.functional.mse_loss(self(s).gather(1, a).squeeze(1), y)
        loss.backward()
        self.optim.step()  # expect


model = DQN()
""",
    # Another model's optimizer is cleared; this one never is.
    """\
import torch
import torch.nn.functional as F

q = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())
o = torch.optim.Adam(torch.nn.Linear(1, 1).parameters())
o.zero_grad()

GAMMA = 0.99

for step in range(1000):
    s, a, r, next_values = torch.zeros(8, 4), torch.zeros(8, 1, dtype=torch.long), torch.zeros(8), torch.zeros(8)
    loss = F.mse_loss(q(s).gather(1, a).squeeze(1), r + GAMMA * next_values)
    loss.backward()
    opt.step()  # expect
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """An optimizer that steps in a training loop or function, with nothing that clears it."""
    if not model.backward_calls:
        return
    for optimizer in model.optimizers:
        if not optimizer.steps or optimizer.clears or optimizer.opaque:
            continue
        steps = [step for step in optimizer.steps if model.runs_repeatedly(step)]
        if not steps or not all(model.held_in_view(step.func.value) for step in optimizer.steps):
            continue
        step = min(steps, key=lambda call: (model.source.filename(call), model.source.span(call).start))
        yield _finding(model, optimizer, step)


def _finding(model: ProgramModel, optimizer: Optimizer, step) -> Finding:
    name = model.code(step.func.value)
    return model.finding(
        RULE.code,
        RULE.name,
        step,
        f"`{name}` steps, but nothing clears its gradients (no `{name}.zero_grad()`, no `model.zero_grad()`, no "
        "`.grad = None`): every `backward()` adds to `.grad`, so each update applies the sum of all gradients "
        f"since the start. Call `{name}.zero_grad()` before `loss.backward()`.",
        Severity.ERROR,
        related=[("the optimizer is made here", optimizer.construction)],
        fix=_fix(model, step, name),
    )


def _fix(model: ProgramModel, step, name: str) -> Fix:
    """`name.zero_grad()` on a line of its own before the `backward()` that precedes the step in
    its block; advice when the backward pass is elsewhere."""
    import libcst as cst

    from dqn_lint.fixes.builders import insert_statement_before
    from dqn_lint.model.source import walk

    advice = Fix(Applicability.DISPLAY_ONLY, f"Call `{name}.zero_grad()` before each `loss.backward()` of this update.")
    statement = model.source.statement(step)
    block = model.source.parent(statement)
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)) or statement not in body:
        return advice
    backward = set(model.backward_calls)
    for earlier in reversed(body[: body.index(statement)]):
        if any(node in backward for node in walk(earlier)):
            if not isinstance(earlier, cst.SimpleStatementLine):
                return advice
            edit = insert_statement_before(model.source, earlier, f"{name}.zero_grad()")
            if edit is None:
                return advice
            return Fix(Applicability.UNSAFE, f"Add `{name}.zero_grad()` before the backward pass.", (edit,))
    return advice


EXPERIMENT = Experiment(
    twin="dqn012_missing_zero_grad",
    mechanism=(Probe.GRADIENTS_ACCUMULATE,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("td_std", "TD-error std", "higher"),
    ),
    expectation=(
        "Without zero_grad, update k applies the sum of k gradients: Adam's normalisation keeps the step "
        "bounded but points it along the running sum of all past gradients (a momentum of 1), so the "
        "value estimate cannot follow its moving targets and the return stays far below the reference's."
    ),
)

RULE = Rule(
    code="DQN012",
    name="missing-zero-grad",
    severity=Severity.ERROR,
    summary="The optimizer steps on gradients that are never cleared (no zero_grad for it anywhere).",
    docs=RuleDocs(
        what_it_does="""
Checks that every torch optimizer that steps in a training function or loop has its gradients
cleared somewhere in the program: `optimizer.zero_grad()` (with or without `set_to_none`), a
module's `zero_grad()`, or `.grad = None` / `.grad.zero_()` on the parameters. Reports the
optimizer's `step()` when there is none. The optimizer is followed through helpers of the program
by object (a helper's `optimizer` parameter is the optimizer of each call site); a `zero_grad()`
of another optimizer does not count.

The rule is silent when the optimizer is handed to a call it cannot read (a library trainer,
`scaler.step(optimizer)`), when the program has no `backward()`, and when the optimizer is held
by an object whose class no analysed code instantiates or which derives from a library class
(the training loop that clears it may be elsewhere).
""",
        why_is_this_bad="""
`loss.backward()` accumulates into `.grad` by design (so that gradients of several losses or
micro-batches can be summed). Without clearing, update k uses the sum of the gradients of updates
1..k. With SGD the step grows without bound; with Adam or RMSprop the normalisation keeps the step
bounded, but its direction is the running sum of every past gradient: a momentum of 1 that never
forgets the targets of the first updates. In DQN, whose regression targets move at every sync,
the value estimate cannot follow them; training is unstable or does not learn, and the loss
curve gives no hint of why.
""",
        example="""
loss = F.smooth_l1_loss(q, y)
loss.backward()
optimizer.step()
""",
        use_instead="""
loss = F.smooth_l1_loss(q, y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
""",
        fix_safety="""
The fix adds `<optimizer>.zero_grad()` on its own line right before the `backward()` that precedes
the step in the same block. It is unsafe: it changes what the program trains, and a program that
meant to sum the gradients of several backward passes before one step (gradient accumulation)
needs the clearing after the step instead. When the backward pass is in another block or function,
the finding gives the advice without an edit.
""",
        references=(
            "PyTorch docs, `torch.optim.Optimizer.zero_grad`, "
            "https://pytorch.org/docs/stable/generated/torch.optim.Optimizer.zero_grad.html",
            "PyTorch tutorial, Optimizing model parameters (the training loop: zero_grad, backward, step), "
            "https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.RECEIVER, Observation.GRADIENTS_CLEARED, "gradients are never cleared between steps"),
)
