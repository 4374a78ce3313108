"""Snapshot pairs for the autofixes: `tests/fixes/<case>.in.py` fixed with unsafe fixes allowed
must give exactly the bytes of `tests/fixes/<case>.out.py`.

Each case is a small, complete DQN program with one fix shape (DQN001-DQN004, DQN100), or one layout the
fixer must keep (CRLF, tabs, a UTF-8 BOM, a latin-1 coding cookie, comments, a multi-line string,
no trailing newline) or several fixes on one statement. Every `.out.py` was read by hand. For each
case the checks are: the bytes match (a unified diff on mismatch); fixing the `.out.py` again
changes nothing; the `.out.py` compiles after decoding with its own encoding; no finding left on it
carries a fix that could still be applied; and no code that was fixed is still reported, unless
`REMAINING_AFTER_FIX` below says why for that case. The `*_display_only` cases have `.out.py` ==
`.in.py`: their advice must never be applied.

The files are compared as bytes, so their line endings and encodings matter: `.gitattributes`
marks `tests/fixes/**` as `-text` so git never converts them.

To add a case, write `<case>.in.py` and regenerate; to accept an intended change of the fixer's
output, regenerate. Regenerating writes every `.out.py` from the current fixer and skips the
byte comparison (the other checks still run on the new files):

    DQN_LINT_UPDATE_SNAPSHOTS=1 python -m pytest -q -p no:cacheprovider tests/test_fix_snapshots.py

then read each changed `.out.py` (`git diff tests/fixes`) before committing it.
"""

from __future__ import annotations

import difflib
import io
import os
import tokenize
from functools import lru_cache
from pathlib import Path

import pytest

from dqn_lint import registry
from dqn_lint.diagnostics import Applicability
from dqn_lint.diagnostics import allowed_applicabilities
from dqn_lint.fixes.apply import FixOutcome, fix_source

FIXES = Path(__file__).resolve().parent / "fixes"
INPUTS = sorted(FIXES.glob("*.in.py"))
UPDATE = os.environ.get("DQN_LINT_UPDATE_SNAPSHOTS") == "1"
UNSAFE = allowed_applicabilities(unsafe=True)
AUTOFIXED_RULES = ("DQN001", "DQN002", "DQN003", "DQN004", "DQN100")
MIN_CASES = 15

# Codes a case may still report on its fixed output although a fix for that code was applied,
# with the reason. Empty: every applied fix removes its finding.
REMAINING_AFTER_FIX: dict[str, set[str]] = {}


def _case(path: Path) -> str:
    return path.name[: -len(".in.py")]


def _expected_path(path: Path) -> Path:
    return path.with_name(f"{_case(path)}.out.py")


@lru_cache(maxsize=None)
def _fix(source: bytes, name: str) -> FixOutcome:
    return fix_source(source, name, registry.all_rules(), UNSAFE)


def _expected_bytes(path: Path) -> bytes:
    expected = _expected_path(path)
    if not expected.exists():
        pytest.fail(f"{expected.name} is missing: regenerate with DQN_LINT_UPDATE_SNAPSHOTS=1 and review it")
    return expected.read_bytes()


def _readable_diff(expected: bytes, actual: bytes, name: str) -> str:
    """A unified diff of the two files, one line per source line, shown with `repr` so that line
    endings, tabs and non-ASCII bytes are visible."""

    def lines(data: bytes) -> list[str]:
        return [repr(line) for line in data.splitlines(keepends=True)]

    return "\n".join(
        difflib.unified_diff(
            lines(expected), lines(actual), f"{name} (expected)", f"{name} (fixer output)", lineterm=""
        )
    )


def _can_apply(finding) -> bool:
    fix = finding.fix
    return fix is not None and bool(fix.edits) and fix.applicability in (Applicability.SAFE, Applicability.UNSAFE)


case = pytest.mark.parametrize("path", INPUTS, ids=_case)


@case
def test_fixing_the_input_gives_exactly_the_expected_output_bytes(path: Path) -> None:
    outcome = _fix(path.read_bytes(), path.name)
    assert outcome.error is None, f"the fixer refused {path.name}: {outcome.error}"
    if UPDATE:
        _expected_path(path).write_bytes(outcome.fixed)
        pytest.skip(f"wrote {_expected_path(path).name} (DQN_LINT_UPDATE_SNAPSHOTS=1)")
    expected = _expected_bytes(path)
    assert outcome.fixed == expected, "\n" + _readable_diff(expected, outcome.fixed, _expected_path(path).name)


@case
def test_fixing_the_expected_output_again_changes_nothing(path: Path) -> None:
    expected = _expected_bytes(path)
    again = _fix(expected, _expected_path(path).name)
    assert again.error is None
    assert [finding.code for finding in again.fixed_findings] == []
    assert again.fixed == expected, "\n" + _readable_diff(expected, again.fixed, _expected_path(path).name)


@case
def test_the_expected_output_compiles_in_its_own_encoding(path: Path) -> None:
    expected = _expected_bytes(path)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(expected).readline)
    compile(expected.decode(encoding), _expected_path(path).name, "exec")


@case
def test_no_applicable_fix_is_left_on_the_expected_output(path: Path) -> None:
    remaining = _fix(_expected_bytes(path), _expected_path(path).name).remaining
    applicable = [
        (finding.code, finding.span.start.row, finding.fix.message) for finding in remaining if _can_apply(finding)
    ]
    assert applicable == []


@case
def test_the_fixed_codes_are_no_longer_reported(path: Path) -> None:
    outcome = _fix(path.read_bytes(), path.name)
    fixed = {finding.code for finding in outcome.fixed_findings}
    still_reported = fixed & {finding.code for finding in outcome.remaining}
    assert still_reported <= REMAINING_AFTER_FIX.get(_case(path), set())


def test_every_expected_output_has_its_input() -> None:
    inputs = {_case(path) for path in INPUTS}
    orphans = sorted(path.name for path in FIXES.glob("*.out.py") if path.name[: -len(".out.py")] not in inputs)
    assert orphans == []


def test_every_rule_with_an_autofix_has_a_case_where_its_fix_is_applied() -> None:
    applied: dict[str, list[str]] = {code: [] for code in AUTOFIXED_RULES}
    for path in INPUTS:
        for finding in _fix(path.read_bytes(), path.name).fixed_findings:
            applied.setdefault(finding.code, []).append(_case(path))
    assert [code for code in AUTOFIXED_RULES if not applied[code]] == []


def test_there_are_enough_snapshot_cases() -> None:
    # The per-case tests are parametrized over INPUTS: this is the number of cases pytest collects.
    marks = test_fixing_the_input_gives_exactly_the_expected_output_bytes.pytestmark
    [mark] = [m for m in marks if m.name == "parametrize"]
    assert len(mark.args[1]) == len(INPUTS) >= MIN_CASES
