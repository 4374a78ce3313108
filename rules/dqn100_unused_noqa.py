"""DQN100 unused-noqa: a `# noqa: DQN...` code that silenced no finding (ruff's RUF100 for our codes).

A stale `# noqa` is worse than none: it was written to hide one specific finding, and when the code
under it changes it goes on hiding whatever that rule finds on the line later, unseen. Whether a
directive is used depends on every other rule's findings, so this rule has no `check` over the
program model: it judges the file after the others ran (`AfterRules`), before the engine applies
the suppressions; a DQN100 finding can then be silenced like any other (`# noqa: DQN100` on its
line, or a file directive).

Only codes with our prefix are judged: other linters read the same comment (`# noqa: E501`), and a
bare `# noqa` names no code. File directives are never reported: they are a deliberate, file-wide
choice, and they are often meant for code that is about to be written.

Opt-in, as RUF100 is: `--select DQN100`, `--select ALL` or `extend-select = ["DQN100"]`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, NamedTuple

from dqn_lint.diagnostics import Applicability, Edit, Finding, Fix, Position, Severity, Span
from dqn_lint.rule import AfterRules, FileReport, Rule, RuleDocs
from dqn_lint.suppression import Directive

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel

UNUSED_NOQA = "DQN100"
NAME = "unused-noqa"
_MENTIONS_NOQA = re.compile(rb"(?i)noqa")

# A learner whose TD target lacks the terminal mask (DQN004 on line 13), for the examples to silence.
_UNMASKED = """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0]{comment}
    q = online(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

# The same learner with the mask: nothing on the target line for a noqa to silence.
_MASKED = _UNMASKED.replace("target(s2).max(1)[0]{comment}", "target(s2).max(1)[0] * (1 - d){comment}")

VALID: tuple[str, ...] = (
    # The noqa silences the DQN004 finding of its line.
    _UNMASKED.format(comment="  # noqa: DQN004"),
    # Lower case, no space, and an explanation after the code: still the same, used, directive.
    _UNMASKED.format(comment="  #NOQA:dqn004 -- reproduces the 2013 baseline on purpose"),
    # The noqa sits on the last line of a multi-line statement; the finding is on its first line.
    """\
import copy

import torch

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
gamma = 0.99


def td_target(r, s2):
    with torch.no_grad():
        return (r
                + gamma * target(s2).max(1)[0])  # noqa: DQN004
""",
    # A noqa after another tool's comment on the same line.
    _UNMASKED.format(comment="  # type: ignore[operator]  # noqa: DQN004"),
    # A bare noqa names no code, so it is never reported: other linters may need it.
    _MASKED.format(comment="  # noqa"),
    # Other tools' codes are theirs to judge.
    """\
import os  # noqa: F401
import sys

LONG_MESSAGE = "a line that is far too long for the project's flake8 configuration, so it is kept"  # noqa: E501


def main():
    print(LONG_MESSAGE, file=sys.stderr)  # noqa: T201
""",
    # One directive for two findings on one statement (DQN004 and DQN005: no target network).
    """\
import torch

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2):
    with torch.no_grad():
        y = r + gamma * q_net(s2).max(1)[0]  # noqa: DQN004, DQN005
    loss = torch.nn.functional.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A file directive is a file-wide choice and is not judged, even when nothing needs it yet.
    "# dqn-lint: noqa: DQN003\n" + _MASKED.format(comment=""),
    # `# noqa` in a string is text, not a comment.
    """\
import torch

gamma = 0.99
HELP = "write `# noqa: DQN004` after a TD target to silence DQN004 on it"
x = torch.zeros(3)
""",
    # Naming DQN100 keeps a directive on purpose: the report would be silenced by the directive itself.
    _MASKED.format(comment="  # noqa: DQN004, DQN100 -- the mask is about to be removed in an ablation"),
    # DQN003 on the stored done flag, silenced where it is computed.
    """\
import random

import gymnasium as gym
import numpy as np
import torch

env = gym.make("CartPole-v1")
q = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_t = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
opt = torch.optim.Adam(q.parameters(), lr=1e-3)
memory, gamma = [], 0.99
obs, _ = env.reset()
for step in range(1000):
    action = env.action_space.sample()
    nxt, rew, terminated, truncated, _ = env.step(action)
    done = terminated or truncated  # noqa: DQN003 -- replicating an old baseline
    memory.append((obs, action, rew, nxt, done))
    obs = env.reset()[0] if done else nxt
    if len(memory) >= 64:
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*random.sample(memory, 64)))
        with torch.no_grad():
            y = r + gamma * q_t(s2).max(1).values * (1 - d)
        loss = torch.nn.functional.mse_loss(q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
""",
    # A file without a TD target and with only foreign and bare directives.
    """\
from typing import Any  # noqa: F401


def log(message):  # noqa
    print(message)  # noqa: T201
""",
)

INVALID: tuple[str, ...] = (
    # The mask was added, the noqa stayed: it would now hide a real DQN004 written on this line.
    _MASKED.format(comment="  # noqa: DQN004  # expect"),
    # One code of two is used: DQN005 silences nothing (there is a target network).
    _UNMASKED.format(comment="  # noqa: DQN004, DQN005  # expect"),
    # An unknown code of ours: a typo for DQN004, so the finding it meant to silence is reported too.
    _UNMASKED.format(comment="  # noqa: DQN040  # expect: DQN100, DQN004"),
    # Our unused code beside another tool's code: ours goes, E501 stays.
    _MASKED.format(comment="  # noqa: E501, DQN002  # expect"),
    # A module with no TD target at all: every code of ours on it silences nothing.
    """\
import json


def load_config(path):
    with open(path) as handle:  # noqa: DQN003  # expect
        return json.load(handle)
""",
    # The noqa is on the line before the statement with the finding, so it silences nothing.
    """\
import copy

import torch

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
gamma = 0.99


def td_target(r, s2):
    with torch.no_grad():  # noqa: DQN004  # expect
        return r + gamma * target(s2).max(1)[0]  # expect: DQN004
""",
    # Lower case and an explanation: still our code, still unused.
    _MASKED.format(comment="  # noqa: dqn004 -- old baseline, mask added since  # expect"),
    # Behind another tool's comment.
    _MASKED.format(comment="  # type: ignore[operator]  # noqa: DQN004  # expect"),
    # Two stale directives in one file, one of them inside a multi-line call.
    """\
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)  # noqa: DQN001  # expect
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2, d):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - d)
    loss = F.mse_loss(
        online(s).gather(1, a).squeeze(1),  # noqa: DQN002  # expect
        y,
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A file directive does not make a line directive for another code used.
    "# dqn-lint: noqa: DQN003\n" + _MASKED.format(comment="  # noqa: DQN004  # expect"),
    # A code for a file problem (DQN900, a syntax error) on a line of a file that parses.
    """\
import torch

gamma = 0.99
x = torch.zeros(3)  # noqa: DQN900  # expect
""",
    # A noqa on a comment line of its own, inside the brackets of a call.
    """\
import torch

gamma = 0.99
weights = torch.tensor([
    # noqa: DQN005  # expect
    gamma ** k for k in range(5)
])
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """Nothing from the model: the noqa comments are judged once every other rule has run."""
    return iter(())


OUR_PREFIX = "DQN"


class Verdict(NamedTuple):  # a NamedTuple: made at start-up 8x faster than a dataclass
    """The codes of ours in one directive that silenced nothing, by why (as ruff words it)."""

    unused: tuple[str, ...] = ()  # enabled in this run, but no finding of it on the statement
    non_enabled: tuple[str, ...] = ()  # a real rule that this run did not run
    unknown: tuple[str, ...] = ()  # no rule has this code

    @property
    def codes(self) -> frozenset[str]:
        return frozenset((*self.unused, *self.non_enabled, *self.unknown))

    def message(self) -> str:
        parts = [
            f"{label}: " + ", ".join(f"`{code}`" for code in codes)
            for label, codes in (("unused", self.unused), ("non-enabled", self.non_enabled), ("unknown", self.unknown))
            if codes
        ]
        return f"Unused `noqa` directive ({'; '.join(parts)})"


def judge(
    directive: Directive, used: Collection[tuple[int, str]], enabled: Collection[str], known: Collection[str]
) -> Verdict | None:
    """Which of the directive's codes of ours silenced nothing; None when every one is needed.

    `DQN100` itself is never judged: a report about it would be silenced by the very directive
    that names it, so naming it is how an author keeps a directive DQN100 would remove.
    """
    unused: list[str] = []
    non_enabled: list[str] = []
    unknown: list[str] = []
    for code in dict.fromkeys(code.upper() for code in directive.codes):
        if not code.startswith(OUR_PREFIX) or code == UNUSED_NOQA or (directive.row, code) in used:
            continue
        if code not in known:
            unknown.append(code)
        elif code not in enabled:
            non_enabled.append(code)
        else:
            unused.append(code)
    if not (unused or non_enabled or unknown):
        return None
    return Verdict(tuple(unused), tuple(non_enabled), tuple(unknown))


def unused_noqa_findings(report: FileReport) -> list[Finding]:
    """One DQN100 finding per line directive with codes of ours that silenced none of the report's
    findings (every finding of the run before suppression: a code is used when it silences one)."""
    suppressions = report.suppressions
    if not suppressions.directives:
        return []
    used = frozenset().union(*(suppressions.silenced_by(finding) for finding in report.findings))
    verdicts = [(directive, judge(directive, used, report.enabled, report.known)) for directive in suppressions.directives]
    verdicts = [(directive, verdict) for directive, verdict in verdicts if verdict is not None]
    if not verdicts:
        return []
    from dqn_lint.fixes.edits import split_lines  # only a file with an unused directive needs it

    lines = split_lines(report.text)
    return [_finding(directive, verdict, lines, report.filename) for directive, verdict in verdicts]


def mentions_noqa(source: bytes) -> bool:
    """Whether the bytes hold a `noqa` to judge. A file the prefilter rejects can have no finding,
    so its `# noqa: DQN...` codes are all unused: it is tokenized, never parsed."""
    return _MENTIONS_NOQA.search(source) is not None


def _finding(directive: Directive, verdict: Verdict, lines: list[str], filename: str) -> Finding:
    row = directive.row
    return Finding(
        code=UNUSED_NOQA,
        name=NAME,
        message=verdict.message(),
        severity=Severity.WARNING,
        span=Span(Position(row, directive.start + 1), Position(row, directive.comment_end + 1)),
        filename=filename,
        fix=removal_fix(directive, verdict.codes, lines),
        statement_rows=(row, row),
    )


def removal_fix(directive: Directive, codes: Collection[str], lines: list[str]) -> Fix:
    """Drop `codes` from the directive; with none of its codes left, drop the directive itself.

    Safe: only a comment changes, and the codes removed silenced nothing in this run.
    """
    kept = [code for code in directive.codes if code.upper() not in codes]
    if kept:
        span = _span(directive.row, directive.codes_start, directive.codes_end)
        listed = ", ".join(f"`{code}`" for code in sorted(codes))
        return Fix(Applicability.SAFE, f"Remove {listed} from the `noqa` directive", (Edit(", ".join(kept), span),))
    return Fix(Applicability.SAFE, "Remove the unused `noqa` directive", (_directive_removal(directive, lines),))


def _directive_removal(directive: Directive, lines: list[str]) -> Edit:
    """The edit that deletes a directive and the space it leaves, the way ruff deletes one.

    `x = 1  # noqa: DQN003` loses the comment and the spaces before it; a line that held only the
    directive goes altogether; `# type: ignore  # noqa: DQN003` keeps the other comment; and an
    explanation after the codes (`# noqa: DQN003 legacy baseline`) stays as a comment of its own.
    """
    row = directive.row
    full_line = lines[row - 1] if row <= len(lines) else ""
    line = full_line.rstrip("\r\n")
    before, after = line[: directive.start], line[directive.end :]
    leading = len(before) - len(before.rstrip())
    trailing = len(after) - len(after.lstrip())
    if not before.strip() and not after.strip():
        if len(full_line) > len(line):  # the line break goes too
            return Edit("", Span(Position(row, 1), Position(row + 1, 1)))
        return Edit("", _span(row, 0, len(line)))
    if not after.strip():
        return Edit("", _span(row, directive.start - leading, len(line)))
    if after.lstrip().startswith("#"):
        return Edit("", _span(row, directive.start, directive.end + trailing))
    return Edit("# ", _span(row, directive.start, directive.end + trailing))


def _span(row: int, start: int, end: int) -> Span:
    """A span on one row from 0-based character offsets."""
    return Span(Position(row, start + 1), Position(row, end + 1))


RULE = Rule(
    code=UNUSED_NOQA,
    name=NAME,
    severity=Severity.WARNING,
    summary="A `# noqa` names a dqn-lint code that silenced no finding.",
    docs=RuleDocs(
        what_it_does="""
Checks every line-level `# noqa: CODES` comment for dqn-lint codes (`DQN...`) that silenced no
finding in this run, and says why: *unused* (the rule ran and found nothing on that statement),
*non-enabled* (the rule exists but was not selected for this file) or *unknown* (no rule has the
code). Codes of other tools (`E501`, `F401`, ...) and a bare `# noqa` are never reported, since other
linters read the same comment; neither are file-level `# dqn-lint: noqa` directives. A directive that
names `DQN100` itself is kept. The rule is off by default: enable it with `--select DQN100`,
`--select ALL` or `extend-select = ["DQN100"]`.
""",
        why_is_this_bad="""
A `# noqa` is written to hide one known finding. Once the code under it is fixed (the mask added,
the target network created) the comment hides nothing, but it stays armed: when the line is later
edited and the bug comes back, the rule's finding is silenced before anyone sees it. DQN bugs
rarely crash; a silenced DQN004 or DQN003 means a run that trains, converges to wrong values and
costs days of compute. An unknown code is usually a typo, so the finding it was meant to silence
is still reported and the comment misleads the reader.
""",
        example="""
with torch.no_grad():
    y = r + gamma * target(s2).max(1).values * (1 - terminated)  # noqa: DQN004
""",
        use_instead="""
with torch.no_grad():
    y = r + gamma * target(s2).max(1).values * (1 - terminated)
""",
        fix_safety="""
The fix is safe: it removes the reported codes from the directive (`# noqa: E501, DQN002` becomes
`# noqa: E501`), and when none of its codes is left it removes the directive with the space before
it, keeping any other comment on the line (`# type: ignore  # noqa: DQN004` keeps `# type: ignore`;
an explanation written after the codes stays as a plain comment). Only comments change, and only
codes that silenced nothing in this run, so no finding appears after the fix. Run it with the
rules you normally run: with fewer rules selected, the codes of the others are reported as
non-enabled and would be removed too.
""",
        references=(
            "ruff, unused-noqa (RUF100), https://docs.astral.sh/ruff/rules/unused-noqa/",
            "ruff, Error suppression, https://docs.astral.sh/ruff/linter/#error-suppression",
            "flake8-noqa (NQA102, NQA103), https://github.com/plinth666/flake8-noqa",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    after_rules=AfterRules(applies_to=mentions_noqa, judge=unused_noqa_findings),
)
