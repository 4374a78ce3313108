"""Shared fixtures: running the command, the DQN004 example programs, and stand-in rules.

The stand-in rules let the command-line tests run in-process whatever state the real rules are in:
each flags the lines that carry a `# flag: CODE` comment (`# flag: CODE safe-fix` adds a safe fix).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace

import pytest

from dqn_lint.diagnostics import Applicability, Edit, Finding, Fix, Position, Severity, Span
from dqn_lint.rule import Rule, RuleDocs

# The spec program: the TD target bootstraps through terminal states (DQN004 on line 8).
MISSING_TERMINAL_MASK = """\
import torch
import torch.nn.functional as F

def learn(online, target, optimizer, batch, gamma=0.99):
    s, a, r, s2, done = batch
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values  # DQN004 here
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""
MISSING_TERMINAL_MASK_ROW = 8

WITH_TERMINAL_MASK = MISSING_TERMINAL_MASK.replace(
    "target(s2).max(1).values  # DQN004 here", "target(s2).max(1).values * (1 - done)"
)


@pytest.fixture
def buggy_program() -> str:
    return MISSING_TERMINAL_MASK


@pytest.fixture
def buggy_row() -> int:
    return MISSING_TERMINAL_MASK_ROW


@pytest.fixture
def clean_program() -> str:
    return WITH_TERMINAL_MASK


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file below tmp_path (making folders) and return its path."""

    def write_file(relative: str, content: str | bytes) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m dqn_lint ARGS` in a subprocess, in tmp_path unless `cwd` is given."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
        return subprocess.run(
            [sys.executable, "-m", "dqn_lint", *args],
            cwd=cwd or tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    return run


# --- stand-in rules ----------------------------------------------------------------------------

STAND_IN_CODES = ("DQN001", "DQN002", "DQN003", "DQN004", "DQN005")


def _flagged_lines(source: str, code: str) -> Iterable[tuple[int, str, bool]]:
    for row, line in enumerate(source.splitlines(), start=1):
        marker = line.find("# flag:")
        if marker < 0:
            continue
        words = line[marker + len("# flag:") :].split()
        if code in words:
            yield row, line[:marker].rstrip(), "safe-fix" in words


def _stand_in_check(code: str) -> Callable[[SimpleNamespace], list[Finding]]:
    def check(model: SimpleNamespace) -> list[Finding]:
        findings = []
        for row, text, has_fix in _flagged_lines(model.source, code):
            start = Position(row, len(text) - len(text.lstrip()) + 1)
            span = Span(start, Position(row, len(text) + 1))
            fix = Fix(Applicability.SAFE, "do the right thing", (Edit("pass", span),)) if has_fix else None
            findings.append(
                Finding(
                    code=code,
                    name=f"stand-in-{code.lower()}",
                    message=f"stand-in finding {code}",
                    severity=Severity.WARNING if code == "DQN005" else Severity.ERROR,
                    span=span,
                    related=(),
                    fix=fix,
                    statement_rows=(row, row),
                )
            )
        return findings

    return check


def _stand_in_rule(code: str) -> Rule:
    return Rule(
        code=code,
        name=f"stand-in-{code.lower()}",
        severity=Severity.WARNING if code == "DQN005" else Severity.ERROR,
        summary=f"Stand-in rule {code} for command-line tests",
        docs=RuleDocs(
            what_it_does=f"Flags lines marked `# flag: {code}`.",
            why_is_this_bad="It lets the command line be tested without the real rules.",
            example=f"x = 1  # flag: {code}",
            use_instead="x = 1",
            fix_safety="No fix.",
        ),
        check=_stand_in_check(code),
    )


@pytest.fixture
def stand_in_rules(monkeypatch: pytest.MonkeyPatch) -> tuple[Rule, ...]:
    """Replace the registry by DQN001-DQN005 stand-ins, and the program model by the source text."""
    import dqn_lint.model
    import dqn_lint.registry

    rules = tuple(_stand_in_rule(code) for code in STAND_IN_CODES)
    monkeypatch.setattr(dqn_lint.registry, "all_rules", lambda: rules)
    monkeypatch.setattr(dqn_lint.model, "build_model", lambda module: SimpleNamespace(source=module.code))
    return rules


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets an empty result cache of its own (subprocesses inherit it through the
    environment), so no test reads what another test's rules produced."""
    folder = tmp_path_factory.mktemp("dqn-lint-cache")
    monkeypatch.setenv("DQN_LINT_CACHE_DIR", str(folder))
    return folder
