"""DQN008 loss-shape-broadcast: the TD loss compares a `[B, 1]` prediction with a `[B]` target.

`q.gather(1, a)` keeps the action dimension with size 1: `[B, 1]`. A bootstrap reduced with
`max(1)[0]` has none: `[B]`. An element-wise loss between them (`F.mse_loss`, `smooth_l1_loss`,
their modules, `(q - y) ** 2`) broadcasts both to `[B, B]`: every prediction is pulled toward the
mean of all the batch's targets, and the error only warns (in `mse_loss`) or says nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.rule import Rule, RuleDocs
from dqn_lint.experiment import Experiment, Measure, Observation, Probe, ProbeSite, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel

_HEAD = """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

online = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)


"""

_STEP = """\
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

VALID: tuple[str, ...] = (
    # the prediction squeezed to [B], the bootstrap reduced to [B]
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
"""
    + _STEP,
    # both [B, 1]: the target unsqueezed in the loss call (the PyTorch tutorial)
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        next_q = target(s2).max(1).values
    y = r + gamma * next_q * (1 - terminated)
    loss = F.smooth_l1_loss(q, y.unsqueeze(1))
"""
    + _STEP,
    # both [B, 1]: keepdim on the bootstrap
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1, keepdim=True)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
"""
    + _STEP,
    # indexing with range(B) gives [B]
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s)[range(64), a]
    with torch.no_grad():
        y = r + gamma * target(s2).max(dim=1).values * (1 - terminated)
    loss = ((q - y) ** 2).mean()
"""
    + _STEP,
    # a one-hot product summed over actions gives [B]
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = (online(s) * F.one_hot(a, 2)).sum(1)
    with torch.no_grad():
        y = r + gamma * torch.max(target(s2), 1)[0] * (1 - terminated)
    loss = F.huber_loss(q, y)
"""
    + _STEP,
    # the target reshaped to a column with view(-1, 1)
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        y = (r + gamma * target(s2).max(1)[0] * (1 - terminated)).view(-1, 1)
    loss = nn.MSELoss()(q, y)
"""
    + _STEP,
    # a leading seed dimension: gather and max over dimension 2, squeezed
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(2, a.unsqueeze(2)).squeeze(2)
    with torch.no_grad():
        y = r + gamma * (1.0 - terminated) * target(s2).max(dim=2).values
    loss = F.smooth_l1_loss(q, y, reduction="none").mean(dim=1).sum()
"""
    + _STEP,
    # Double DQN: the bootstrap gathered at the online argmax, both sides squeezed
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a.unsqueeze(-1)).squeeze(-1)
    with torch.no_grad():
        a2 = online(s2).argmax(1, keepdim=True)
        y = r + gamma * target(s2).gather(1, a2).squeeze(1) * (1 - terminated)
    loss = F.mse_loss(q, y)
"""
    + _STEP,
    # a prediction the model cannot shape (einsum): nothing is claimed
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = torch.einsum("ba,ba->b", online(s), F.one_hot(a, 2).float())
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
"""
    + _STEP,
    # a squeeze in the loss call itself
    _HEAD
    + """\
class Agent:
    def __init__(self, gamma=0.99):
        self.gamma = gamma
        self.criterion = nn.SmoothL1Loss()

    def learn(self, buffer):
        s, a, r, s2, done = buffer.sample(32)
        q = online(s).gather(1, a)
        with torch.no_grad():
            y = r + self.gamma * target(s2).max(1)[0] * (1 - done)
        loss = self.criterion(q.squeeze(), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
)

INVALID: tuple[str, ...] = (
    # gather keeps [B, 1]; max(1)[0] is [B]
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)  # expect: DQN008
"""
    + _STEP,
    # a loss module, `.max(dim=1).values`
    _HEAD
    + """\
criterion = nn.SmoothL1Loss()


def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a.long())
    with torch.no_grad():
        next_q = target(s2).max(dim=1).values
        y = r + gamma * next_q * (1 - terminated)
    loss = criterion(q, y)  # expect: DQN008
"""
    + _STEP,
    # the squared difference written out
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a.unsqueeze(1))
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = ((q - y) ** 2).mean()  # expect: DQN008
"""
    + _STEP,
    # the TD error first, squared later
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        y = r + gamma * target(s2).amax(1) * (1 - terminated)
    td_error = y - q  # expect: DQN008
    loss = td_error.pow(2).mean()
"""
    + _STEP,
    # the other way round: a [B] prediction and a keepdim bootstrap
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_q = target(s2).max(1, keepdim=True)[0]
        y = r + gamma * next_q * (1 - terminated)
    loss = F.smooth_l1_loss(q, y)  # expect: DQN008
"""
    + _STEP,
    # Double DQN with the bootstrap squeezed and the prediction not
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        a2 = online(s2).argmax(1, keepdim=True)
        y = r + gamma * target(s2).gather(1, a2).squeeze(1) * (1 - terminated)
    loss = F.mse_loss(q, y)  # expect: DQN008
"""
    + _STEP,
    # an agent class with a Huber loss
    _HEAD
    + """\
class Agent:
    def __init__(self, gamma=0.99):
        self.online, self.target, self.gamma = online, target, gamma

    def learn(self, buffer):
        s, a, r, s2, done = buffer.sample(32)
        q = self.online(s).gather(1, a)
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(1)[0] * (1 - done)
        loss = F.huber_loss(q, y)  # expect: DQN008
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # torch.max as a function, and an L1 loss
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = torch.gather(online(s), 1, a)
    with torch.no_grad():
        y = r + gamma * torch.max(target(s2), 1)[0] * (1 - terminated)
    loss = F.l1_loss(q, y)  # expect: DQN008
"""
    + _STEP,
    # the max unpacked into values and indices
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(1, a)
    with torch.no_grad():
        next_q, _ = target(s2).max(1)
    y = r + gamma * next_q * (1 - terminated)
    loss = F.mse_loss(q, y.detach())  # expect: DQN008
"""
    + _STEP,
    # a leading seed dimension: the column kept and the target laid out as a row
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s).gather(2, a.unsqueeze(2)).squeeze(2)
    with torch.no_grad():
        y = r + gamma * (1.0 - terminated) * target(s2).max(dim=2).values
    loss = F.smooth_l1_loss(q.unsqueeze(2), y.unsqueeze(1), reduction="none").mean(dim=(1, 2)).sum()  # expect: DQN008
"""
    + _STEP,
    # the prediction reshaped to a column, the target not
    _HEAD
    + """\
def learn(buffer, gamma=0.99):
    s, a, r, s2, terminated = buffer.sample(64)
    q = online(s)[torch.arange(64), a].view(-1, 1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = nn.MSELoss()(q, y)  # expect: DQN008
"""
    + _STEP,
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """An element-wise TD loss whose two sides have trailing shapes that broadcast to `[B, B]`."""
    from dqn_lint.model.shapes import MISMATCHED, Shape

    for loss in model.td_comparisons:
        predicted, targeted = model.shape(loss.prediction), model.shape(loss.target)
        if targeted is not Shape.PAIRS and frozenset({predicted, targeted}) not in MISMATCHED:
            continue
        if not model.in_a_loss(loss):  # asked last: it may walk back the whole training loop
            continue
        yield model.finding(
            RULE.code,
            RULE.name,
            loss.node,
            _message(model, loss, predicted, targeted),
            Severity.ERROR,
            related=[
                (f"the prediction, shaped {predicted.value}", loss.prediction),
                (f"the TD target, shaped {targeted.value}", loss.td_target.node),
            ],
            fix=_fix(model, loss, predicted, targeted),
        )


def _message(model: ProgramModel, loss, predicted, targeted) -> str:
    from dqn_lint.model.shapes import Shape

    prediction, target = model.code(loss.prediction), model.code(loss.target)
    if targeted is Shape.PAIRS:
        return (
            f"The TD target `{target}` adds a [B, 1] term to a [B] term, so it is already [B, B]: every transition "
            "gets every other transition's bootstrap value. Give every term of the target the same shape "
            "(squeeze the [B, 1] one with `.squeeze(-1)`)."
        )
    return (
        f"The loss compares the prediction `{prediction}`, shaped {predicted.value}, with the TD target `{target}`, "
        f"shaped {targeted.value}: broadcasting makes a [B, B] loss that pulls every prediction toward every "
        "transition's target (with a leading seed dimension, a shape error). Give both sides one shape, "
        "`.squeeze(-1)` on the [B, 1] side."
    )


def _fix(model: ProgramModel, loss, predicted, targeted) -> Fix:
    """`.squeeze(-1)` on the side that kept its size-1 action dimension, where the other side is `[B]`.

    Unsafe: the loss, and so training, changes (to what the code meant).
    """
    import libcst as cst

    from dqn_lint.fixes.builders import replace_node
    from dqn_lint.model.shapes import Shape

    advice = Fix(Applicability.DISPLAY_ONLY, "Make the prediction and the TD target both [B] (`.squeeze(-1)` on the [B, 1] one).")
    if {predicted, targeted} != {Shape.COLUMN, Shape.VECTOR}:
        return advice
    column = loss.prediction if predicted is Shape.COLUMN else loss.target
    text = model.code(column)
    atomic = isinstance(column, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not column.lpar
    replacement = f"{text}.squeeze(-1)" if atomic else f"({text}).squeeze(-1)"
    side = "prediction" if column is loss.prediction else "TD target"
    return Fix(Applicability.UNSAFE, f"Squeeze the {side} to [B].", (replace_node(model.source, column, replacement),))


EXPERIMENT = Experiment(
    twin="dqn008_loss_shape_broadcast",
    mechanism=(Probe.LOSS_PAIRS_ALL_TRANSITIONS,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("td_std", "TD-error std", "higher"),
    ),
    expectation=(
        "Each prediction is regressed toward the mean of the batch's targets instead of its own: Q(s, a) "
        "stops depending on the transition's reward and next state, the TD errors stay wide, and the greedy "
        "policy learns little."
    ),
)

RULE = Rule(
    code="DQN008",
    name="loss-shape-broadcast",
    severity=Severity.ERROR,
    summary="The TD loss compares a [B, 1] prediction with a [B] target (or the other way round): it broadcasts to [B, B].",
    docs=RuleDocs(
        what_it_does="""
Checks each element-wise loss that compares a TD target with a prediction (`F.mse_loss`,
`F.smooth_l1_loss`, `F.huber_loss`, `F.l1_loss`, their `nn` modules, and a difference `q - y`
that flows into a loss, squared, absolute or Huber) and reads the trailing shape of both sides from how they
were made: `gather` over the action dimension keeps it with size 1 (`[B, 1]`); `max(1)[0]`,
`.max(dim=1).values`, `amax(1)`, `q[range(B), a]` and `(q * one_hot).sum(1)` drop it (`[B]`);
`squeeze`, `unsqueeze`, `view(-1, 1)`, `[:, None]` and `keepdim=True` move between the two.
Reports the loss when one side is `[B, 1]` and the other `[B]`. Rewards and masks from a buffer,
whose shapes cannot be read, are left out; a side whose shape cannot be read is never reported.
""",
        why_is_this_bad="""
Broadcasting aligns shapes from the right: `[B, 1]` against `[B]` becomes `[B, B]`, entry (i, j)
comparing prediction i with target j. The mean over B*B entries trains every Q(s_i, a_i) toward
the average target of the whole batch, not its own: the values stop depending on the
transition's reward and next state, and the agent learns close to nothing. Nothing fails:
`mse_loss` only warns about the sizes, the other losses and `(q - y) ** 2` say nothing.
""",
        example="""
q = online(states).gather(1, actions)                    # [B, 1]
with torch.no_grad():
    y = rewards + gamma * target(next_states).max(1)[0] * (1 - terminated)   # [B]
loss = F.mse_loss(q, y)                                  # [B, B]
""",
        use_instead="""
q = online(states).gather(1, actions).squeeze(-1)        # [B]
with torch.no_grad():
    y = rewards + gamma * target(next_states).max(1)[0] * (1 - terminated)   # [B]
loss = F.mse_loss(q, y)
""",
        fix_safety="""
The fix appends `.squeeze(-1)` to the side shaped `[B, 1]` in the loss call (the actions are the
last dimension, so this removes exactly the size-1 action dimension, with or without leading
seed or ensemble dimensions). It is unsafe: the loss changes, and so does what is trained (to what
the code meant). A target that is itself `[B, B]`, or a mismatch made by moving the batch
dimension, gets advice only.
""",
        references=(
            "PyTorch docs, Broadcasting semantics, https://pytorch.org/docs/stable/notes/broadcasting.html",
            "PyTorch docs, `torch.nn.functional.mse_loss` (warns when input and target sizes differ), "
            "https://pytorch.org/docs/stable/generated/torch.nn.functional.mse_loss.html",
            "PyTorch Reinforcement Learning (DQN) tutorial: `criterion(state_action_values, "
            "expected_state_action_values.unsqueeze(1))`, https://pytorch.org/tutorials/intermediate/reinforcement_q_learning.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.CALLEE, Observation.LOSS_INPUTS_BROADCAST,
                               "the loss's two inputs broadcast to a larger shape"),
)
