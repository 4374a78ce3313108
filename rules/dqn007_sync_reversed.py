"""DQN007 sync-reversed: the target sync runs the wrong way.

A sync copies the trained (online) network into the target network. Written the other way round,
`online.load_state_dict(target.state_dict())` throws away every update since the last sync and
never moves the target; a soft update with its coefficients swapped, `target <- (1 - tau) * online
+ tau * target` with a small tau, makes the target follow the online network almost completely at
every step, so there is, in effect, no target network. Both run without an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.rule import Rule, RuleDocs
from dqn_lint.experiment import Experiment, Measure, Observation, Probe, ProbeSite, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel, Sync

# A soft update that copies at least this share of the online network per step, but not all of it,
# is a swapped one: tau is 0.001-0.05 in practice (SB3 0.005, DDPG 0.001, TD3 0.005), polyak
# 0.95-0.999 (its complement). A share of exactly 1 is a hard copy written as a blend (CleanRL's and
# SB3's DQN default `tau = 1.0`, applied every `target_network_frequency` steps).
SWAPPED_SHARE = 0.9

VALID: tuple[str, ...] = (
    # The hard sync, the right way round.
    """\
import copy

import torch
import torch.nn.functional as F

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
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
""",
    # Soft update: the target takes tau of the online network.
    """\
import copy

import torch
import torch.nn.functional as F

TAU = 0.005
online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    for tp, p in zip(target.parameters(), online.parameters()):
        tp.data.copy_(TAU * p.data + (1.0 - TAU) * tp.data)
""",
    # Spinning Up's polyak: the target keeps `polyak` of itself and takes `1 - polyak` of the online net.
    """\
import copy

import torch


class Learner:
    def __init__(self, q, polyak=0.995, gamma=0.99):
        self.q = q
        self.q_targ = copy.deepcopy(q)
        self.polyak, self.gamma = polyak, gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)

    def update(self, o, a, r, o2, d):
        q = self.q(o).gather(1, a).squeeze(1)
        with torch.no_grad():
            backup = r + self.gamma * (1 - d) * self.q_targ(o2).max(1)[0]
        loss = ((q - backup) ** 2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            for p, p_targ in zip(self.q.parameters(), self.q_targ.parameters()):
                p_targ.data.mul_(self.polyak)
                p_targ.data.add_((1 - self.polyak) * p.data)


learner = Learner(torch.nn.Linear(4, 2))
""",
    # A helper called with its arguments in the order it declares.
    """\
import copy

import torch
import torch.nn.functional as F


def soft_update(target, source, tau):
    for t, s in zip(target.parameters(), source.parameters()):
        t.data.copy_(t.data * (1.0 - tau) + s.data * tau)


local = torch.nn.Linear(8, 4)
target = copy.deepcopy(local)
opt = torch.optim.Adam(local.parameters(), lr=5e-4)


def learn(s, a, r, s2, d, gamma=0.99):
    q = local(s).gather(1, a).squeeze(1)
    y = r + gamma * target(s2).detach().max(1)[0] * (1 - d)
    loss = F.mse_loss(q, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    soft_update(target, local, 1e-3)
""",
    # Restoring the online network from a saved best copy is not a sync.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
best = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(step, s, a, r, s2, terminated, diverged, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if diverged:
        online.load_state_dict(best.state_dict())
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
""",
    # A rollback from the target beside the forward sync: deliberate, both directions exist.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(step, s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    if not torch.isfinite(loss):
        online.load_state_dict(target.state_dict())
        return
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1000 == 0:
        target.load_state_dict(online.state_dict())
""",
    # SB3's polyak_update(params, target_params, tau) in its documented order.
    """\
import copy

import torch as th
import torch.nn.functional as F
from stable_baselines3.common.utils import polyak_update

q_net = th.nn.Linear(4, 2)
q_net_target = copy.deepcopy(q_net)
optimizer = th.optim.Adam(q_net.parameters(), lr=1e-3)


def train_step(obs, actions, rewards, next_obs, dones, gamma=0.99):
    with th.no_grad():
        target_q = rewards + (1 - dones) * gamma * q_net_target(next_obs).max(dim=1).values
    current_q = q_net(obs).gather(1, actions).squeeze(1)
    loss = F.smooth_l1_loss(current_q, target_q)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    polyak_update(q_net.parameters(), q_net_target.parameters(), 0.005)
""",
    # lerp_ toward the online network by a small weight.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
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
    # The tutorial's state-dict soft update, the right way round.
    """\
import copy

import torch
import torch.nn as nn

TAU = 0.005
policy_net = nn.Linear(4, 2)
target_net = copy.deepcopy(policy_net)
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4)


def optimize(s, a, r, s2, terminated, gamma=0.99):
    q = policy_net(s).gather(1, a)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
    loss = nn.SmoothL1Loss()(q, y.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    target_sd = target_net.state_dict()
    policy_sd = policy_net.state_dict()
    for key in policy_sd:
        target_sd[key] = policy_sd[key] * TAU + target_sd[key] * (1 - TAU)
    target_net.load_state_dict(target_sd)
""",
    # Made equal once when they are created, the online net taking the target's weights; synced later.
    """\
import torch
import torch.nn.functional as F
from torch import nn

policy_net = nn.Linear(4, 2)
target_net = nn.Linear(4, 2)
policy_net.load_state_dict(target_net.state_dict())
optimizer = torch.optim.Adam(policy_net.parameters(), lr=1e-4)

for step in range(10_000):
    s, a, r, s2, terminated = (torch.zeros(32, 4), torch.zeros(32, 1, dtype=torch.long), torch.zeros(32),
                               torch.zeros(32, 4), torch.zeros(32))
    with torch.no_grad():
        y = r + 0.99 * target_net(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(policy_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        target_net.load_state_dict(policy_net.state_dict())
""",
    # CleanRL's DQN: a blend with tau = 1.0 every N steps is a hard copy, the right way round.
    """\
import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class Args:
    tau: float = 1.0
    gamma: float = 0.99
    target_network_frequency: int = 500


args = Args()
q_network = torch.nn.Linear(4, 2)
target_network = copy.deepcopy(q_network)
optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-4)

for global_step in range(10_000):
    s, a, r, s2, d = torch.zeros(8, 4), torch.zeros(8, 1, dtype=torch.long), torch.zeros(8), torch.zeros(8, 4), torch.zeros(8)
    with torch.no_grad():
        target_max, _ = target_network(s2).max(dim=1)
        td_target = r + args.gamma * target_max * (1 - d)
    loss = F.mse_loss(td_target, q_network(s).gather(1, a).squeeze())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if global_step % args.target_network_frequency == 0:
        for target_network_param, q_network_param in zip(target_network.parameters(), q_network.parameters()):
            target_network_param.data.copy_(
                args.tau * q_network_param.data + (1.0 - args.tau) * target_network_param.data
            )
""",
    # tau comes from configuration the model cannot evaluate: nothing is claimed.
    """\
import copy

import torch
import torch.nn.functional as F


def update(online, target, optimizer, batch, cfg):
    s, a, r, s2, terminated = batch
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + cfg.gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    for tp, p in zip(target.parameters(), online.parameters()):
        tp.data.copy_((1 - cfg.tau) * p.data + cfg.tau * tp.data)


net = torch.nn.Linear(4, 2)
update(net, copy.deepcopy(net), torch.optim.Adam(net.parameters()), None, None)
""",
)

INVALID: tuple[str, ...] = (
    # The periodic "update" loads the target into the online network.
    """\
import copy

import torch
import torch.nn.functional as F

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
    if step % 1000 == 0:
        online.load_state_dict(target.state_dict())  # expect
""",
    # An agent's update_target method, reversed.
    """\
import copy

import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net, gamma=0.99):
        self.policy_net = net
        self.target_net = copy.deepcopy(net)
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=1e-4)
        self.gamma = gamma

    def update_target(self):
        self.policy_net.load_state_dict(self.target_net.state_dict())  # expect

    def learn(self, s, a, r, s2, done):
        q = self.policy_net(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + self.gamma * self.target_net(s2).max(1)[0] * (1 - done)
        loss = F.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


agent = Agent(torch.nn.Linear(4, 2))
""",
    # Copying the parameters the wrong way: the online parameters take the target's values.
    """\
import copy

import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(4, 2)
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters())


def learn(step, s, a, r, s2, terminated, gamma=0.99):
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 500 == 0:
        for p, tp in zip(q_net.parameters(), target_net.parameters()):
            p.data.copy_(tp.data)  # expect
""",
    # A soft update whose coefficients are swapped: the target takes 1 - tau of the online net.
    """\
import copy

import torch
import torch.nn.functional as F

TAU = 0.005
online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    for tp, p in zip(target.parameters(), online.parameters()):
        tp.data.copy_((1.0 - TAU) * p.data + TAU * tp.data)  # expect
""",
    # The soft-update helper is right; the call passes its two networks the wrong way round.
    """\
import copy

import torch
import torch.nn.functional as F


def soft_update(target, source, tau):
    for t, s in zip(target.parameters(), source.parameters()):
        t.data.copy_(t.data * (1.0 - tau) + s.data * tau)


local = torch.nn.Linear(8, 4)
qnetwork_target = copy.deepcopy(local)
opt = torch.optim.Adam(local.parameters(), lr=5e-4)


def learn(s, a, r, s2, d, gamma=0.99):
    q = local(s).gather(1, a).squeeze(1)
    y = r + gamma * qnetwork_target(s2).detach().max(1)[0] * (1 - d)
    loss = F.mse_loss(q, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    soft_update(local, qnetwork_target, 1e-3)  # expect
""",
    # SB3's polyak_update with its two parameter lists swapped: the online net moves toward the target.
    """\
import copy

import torch as th
import torch.nn.functional as F
from stable_baselines3.common.utils import polyak_update

q_net = th.nn.Linear(4, 2)
q_net_target = copy.deepcopy(q_net)
optimizer = th.optim.Adam(q_net.parameters(), lr=1e-3)


def train_step(obs, actions, rewards, next_obs, dones, gamma=0.99, tau=0.005):
    with th.no_grad():
        target_q = rewards + (1 - dones) * gamma * q_net_target(next_obs).max(dim=1).values
    current_q = q_net(obs).gather(1, actions).squeeze(1)
    loss = F.smooth_l1_loss(current_q, target_q)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    polyak_update(q_net_target.parameters(), q_net.parameters(), tau)  # expect
""",
    # Spinning Up's two-step polyak with the factors exchanged.
    """\
import copy

import torch


class Learner:
    def __init__(self, q, polyak=0.995, gamma=0.99):
        self.q = q
        self.q_targ = copy.deepcopy(q)
        self.polyak, self.gamma = polyak, gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)

    def update(self, o, a, r, o2, d):
        q = self.q(o).gather(1, a).squeeze(1)
        with torch.no_grad():
            backup = r + self.gamma * (1 - d) * self.q_targ(o2).max(1)[0]
        loss = ((q - backup) ** 2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            for p, p_targ in zip(self.q.parameters(), self.q_targ.parameters()):
                p_targ.data.mul_(1 - self.polyak)
                p_targ.data.add_(self.polyak * p.data)  # expect


learner = Learner(torch.nn.Linear(4, 2))
""",
    # The tutorial's state-dict soft update with TAU on the wrong side.
    """\
import copy

import torch
import torch.nn as nn

TAU = 0.005
policy_net = nn.Linear(4, 2)
target_net = copy.deepcopy(policy_net)
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4)


def optimize(s, a, r, s2, terminated, gamma=0.99):
    q = policy_net(s).gather(1, a)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1).values * (1 - terminated)
    loss = nn.SmoothL1Loss()(q, y.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    target_sd = target_net.state_dict()
    policy_sd = policy_net.state_dict()
    for key in policy_sd:
        target_sd[key] = policy_sd[key] * (1 - TAU) + target_sd[key] * TAU
    target_net.load_state_dict(target_sd)  # expect
""",
    # lerp_ by 1 - tau: the target jumps almost all the way to the online net each step.
    """\
import copy

import torch
import torch.nn.functional as F

TAU = 0.01
online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters())


def learn(s, a, r, s2, terminated, gamma=0.99):
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for tp, p in zip(target.parameters(), online.parameters()):
            tp.lerp_(p, 1 - TAU)  # expect
""",
    # A hard-update helper whose parameters are named the other way round from its call.
    """\
import copy

import torch
import torch.nn.functional as F


def hard_update(target, source):
    target.load_state_dict(source.state_dict())


class DQN:
    def __init__(self, net):
        self.eval_net = net
        self.target_net = copy.deepcopy(net)
        self.opt = torch.optim.Adam(self.eval_net.parameters(), lr=1e-3)
        self.steps = 0

    def learn(self, s, a, r, s2, terminated, gamma=0.99):
        q = self.eval_net(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            y = r + gamma * self.target_net(s2).max(1)[0] * (1 - terminated)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps % 100 == 0:
            hard_update(self.eval_net, self.target_net)  # expect


dqn = DQN(torch.nn.Linear(4, 2))
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A sync that writes the trained network from the target, or a soft one with swapped shares."""
    for sync in model.syncs:
        destination_trained = model.is_trained_binding(sync.destination)
        source_trained = model.is_trained_binding(sync.source)
        if destination_trained and not source_trained and model.bootstraps_from(sync.source):
            target = model.network(sync.source)
            if sync in target.initial_syncs or sync in model.network(sync.destination).initial_syncs:
                continue  # the two networks made equal once, when they are created: either way is fine
            if any(model.is_trained_binding(s.source) for s in target.syncs_in):
                continue  # a deliberate rollback beside the real sync
            yield _reversed(model, sync)
        elif (
            source_trained
            and not destination_trained
            and model.bootstraps_from(sync.destination)
            and sync.source_shares
            and all(SWAPPED_SHARE <= share < 1.0 for share in sync.source_shares)
            and sync.coefficients
        ):
            yield _swapped(model, sync)


def _reversed(model: ProgramModel, sync: Sync) -> Finding:
    online, target = model.code(sync.destination), model.code(sync.source)
    return model.finding(
        RULE.code,
        RULE.name,
        sync.site,
        f"This sync copies the target network `{target}` into the trained network `{online}`: it throws away "
        f"the updates since the last sync and never moves `{target}`, so the TD target stays at its initial "
        f"weights. Copy the other way: `{target}` from `{online}`.",
        Severity.ERROR,
        related=[("the parameters are written here", sync.node)] if sync.via is not None else [],
        fix=_swap_fix(model, sync, online, target),
    )


def _swapped(model: ProgramModel, sync: Sync) -> Finding:
    target, online = model.code(sync.destination), model.code(sync.source)
    share = min(sync.source_shares)
    coefficient = " * ".join(model.code(c) for c in sync.coefficients)
    return model.finding(
        RULE.code,
        RULE.name,
        sync.site,
        f"This soft update gives the online network `{online}` a share of {share:g} (`{coefficient}`) of the target "
        f"`{target}` at every step: the coefficients are swapped, so the target follows the online network almost "
        "at once and stops holding the TD target still. The online network's share should be the small tau: "
        f"`{target} <- tau * {online} + (1 - tau) * {target}`.",
        Severity.ERROR,
        related=[("the parameters are written here", sync.node)] if sync.via is not None else [],
        fix=Fix(
            Applicability.DISPLAY_ONLY,
            f"Exchange the two coefficients so that `{online}` is weighted by tau (here {1 - share:g}) and `{target}` by 1 - tau.",
        ),
    )


def _swap_fix(model: ProgramModel, sync: Sync, online: str, target: str) -> Fix:
    """`online.load_state_dict(target.state_dict())` and `hard_update(online, target)` swap their two
    networks; other shapes get the advice only."""
    import libcst as cst

    from dqn_lint.fixes.builders import replace_node

    advice = Fix(Applicability.DISPLAY_ONLY, f"Sync the target from the online network: `{target}.load_state_dict({online}.state_dict())`.")
    site = sync.site
    if not isinstance(site, cst.Call):
        return advice
    if sync.via is None and isinstance(site.func, cst.Attribute) and site.func.attr.value == "load_state_dict":
        argument = site.args[0].value if site.args else None
        if not (isinstance(argument, cst.Call) and isinstance(argument.func, cst.Attribute) and argument.func.attr.value == "state_dict"):
            return advice
        first, second = site.func.value, argument.func.value
    elif sync.via is not None:
        plain = [arg for arg in site.args if arg.keyword is None and not arg.star]
        if len(plain) < 2 or len(plain) != len(site.args) and any(arg.keyword is None for arg in site.args[len(plain):]):
            return advice
        positions = [i for i, arg in enumerate(plain) if arg.value is sync.destination or arg.value is sync.source]
        if len(positions) != 2:
            return advice
        first, second = plain[positions[0]].value, plain[positions[1]].value
    else:
        return advice
    edits = (
        replace_node(model.source, first, model.code(second)),
        replace_node(model.source, second, model.code(first)),
    )
    return Fix(Applicability.UNSAFE, f"Swap `{model.code(first)}` and `{model.code(second)}` so that the target is written.", edits)


EXPERIMENT = Experiment(
    twin="dqn007_sync_reversed",
    mechanism=(Probe.TARGET_NEVER_CHANGES, Probe.ONLINE_RESET_TO_TARGET),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("q_abs", "mean |Q|", "lower"),
    ),
    expectation=(
        "The reversed sync resets the online network to the target's initial weights every C steps and never "
        "moves the target: learning cannot accumulate beyond C steps, so the return stays near random play "
        "and |Q| near r + gamma * max Q_init, about 1 on CartPole."
    ),
)

RULE = Rule(
    code="DQN007",
    name="sync-reversed",
    severity=Severity.ERROR,
    summary="The target sync runs the wrong way: the online network is overwritten from the target, or a soft update's shares are swapped.",
    docs=RuleDocs(
        what_it_does="""
Checks the direction of every sync between the trained network and the target network that
bootstraps the TD target. Reports a sync that writes the trained network from the target
(`online.load_state_dict(target.state_dict())`, `p.data.copy_(tp.data)` over zipped parameters,
SB3's `polyak_update(target.parameters(), online.parameters(), tau)`, or a helper such as
`soft_update(target, source, tau)` called with its networks swapped) when the program has no sync
the right way. Also reports a soft update, in the right direction, whose coefficients are swapped:
the online network's share evaluates to 0.9 or more but less than 1 (`(1 - tau) * online + tau *
target` with a small literal, default or constant tau; `lerp_(p, 1 - tau)`; Spinning Up's `mul_(1 - polyak)` then
`add_(polyak * p)`). A share the model cannot evaluate (a value from configuration) is not judged.
""",
        why_is_this_bad="""
A sync exists to copy what the online network has learnt into the target network, which then holds
the TD target still until the next sync (Mnih et al. 2015). Reversed, it resets the online network
to the target's weights and never moves the target: whatever was learnt since the last sync is
lost, the target stays at its initial weights, and the agent cannot learn beyond one sync interval.
A soft update with swapped coefficients copies 1 - tau (say 99.5%) of the online network at every
step: the target is the online network a step ago, which removes the stability a slow target gives
(Lillicrap et al. 2016 use tau = 0.001) and brings back the feedback loop of bootstrapping from the
network being trained.
""",
        example="""
if step % target_update_interval == 0:
    online.load_state_dict(target.state_dict())

for tp, p in zip(target.parameters(), online.parameters()):
    tp.data.copy_((1 - tau) * p.data + tau * tp.data)
""",
        use_instead="""
if step % target_update_interval == 0:
    target.load_state_dict(online.state_dict())

for tp, p in zip(target.parameters(), online.parameters()):
    tp.data.copy_(tau * p.data + (1 - tau) * tp.data)
""",
        fix_safety="""
For `online.load_state_dict(target.state_dict())` and for a call of a sync helper of the program
that passes the two networks the wrong way round, the fix swaps the two networks. It is unsafe: it
changes what the program trains (from here on the target follows the online network), and if the
reversed copy was a deliberate rollback the change is wrong. Swapped soft-update coefficients and
reversed parameter loops get the advice only: which factor is tau is a reading of the code the
rule shows but does not rewrite.
""",
        references=(
            'Mnih et al. (2015), "Human-level control through deep reinforcement learning", Nature 518, '
            "529-533, https://doi.org/10.1038/nature14236 (the target network)",
            'Lillicrap et al. (2016), "Continuous control with deep reinforcement learning" (soft target '
            "updates, tau = 0.001), https://arxiv.org/abs/1509.02971",
            "Stable-Baselines3, `polyak_update(params, target_params, tau)`, "
            "https://stable-baselines3.readthedocs.io/en/master/common/utils.html",
            "OpenAI Spinning Up, DDPG (`polyak`), https://spinningup.openai.com/en/latest/algorithms/ddpg.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.RECEIVER, Observation.HELD_BY_OPTIMIZER,
                               "the network the sync overwrites is the one an optimizer trains"),
)
