"""Every fix on every buggy fixture twin: the finding goes, the file parses, a second run changes
nothing, and every byte outside the edited statements stays as it was.

The fixed twins are also compared with the reference agent they were copied from. The expected
differences are the snapshots in `tests/snapshots/fixed_twins/` (reviewed by hand; regenerate with
`DQN_LINT_UPDATE_SNAPSHOTS=1`). What a reader should accept there:
- DQN001: no difference in the code at all (the fix writes `copy.deepcopy(online)` as the reference does);
- DQN002: none either (both bootstrap statements go under `torch.no_grad()`, as in the reference);
- DQN003: the buffer gets `terminated`; the twin keeps its `done` variable for the reset, where the
  reference tests `terminated or truncated` inline;
- DQN004: the mask is `* (1 - b_terminated)` at the end of the bootstrap term instead of the
  reference's `(1.0 - b_terminated) *` in the middle, the same value;
- DQN005 and DQN006: the fix is display-only, so the twin is unchanged (DQN006's snapshot shows the
  missing sync);
- DQN007: none (the fix swaps the two networks of the reversed sync back).
Besides those, only the twin's docstring and `# expect:` markers differ.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from dqn_lint import registry
from dqn_lint.diagnostics import Applicability
from dqn_lint.sources import decode_source
from dqn_lint.diagnostics import allowed_applicabilities
from dqn_lint.fixes.apply import fix_source
from dqn_lint.fixes.edits import split_lines

ROOT = Path(__file__).resolve().parent.parent
TWINS = sorted((ROOT / "fixtures" / "twins").glob("dqn*.py"))
REFERENCE = ROOT / "fixtures" / "reference_dqn.py"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "fixed_twins"
UNSAFE = allowed_applicabilities(True)
EXPERIMENT_TWINS = sorted(rule.experiment.twin for rule in registry.all_rules() if rule.experiment is not None)


def _code_of(twin: Path) -> str:
    return twin.name[:6].upper()


def _fix(path: Path, source: bytes | None = None):
    return fix_source(path.read_bytes() if source is None else source, path.name, registry.all_rules(), UNSAFE)


def _has_edits(twin: Path) -> bool:
    return bool(_fix(twin).fixed_findings)


AUTO_FIXED = [twin for twin in TWINS if _has_edits(twin)]


def test_there_is_a_twin_per_rule_experiment() -> None:
    assert [twin.stem for twin in TWINS] == EXPERIMENT_TWINS
    assert len(AUTO_FIXED) >= 5


@pytest.mark.parametrize("twin", AUTO_FIXED, ids=lambda p: p.stem)
def test_fixing_a_twin_removes_its_finding_and_touches_nothing_else(twin: Path) -> None:
    outcome = _fix(twin)
    code = _code_of(twin)
    assert outcome.error is None
    assert [finding.code for finding in outcome.fixed_findings] == [code]
    assert outcome.remaining == []  # the fixed twin lints clean
    compile(outcome.fixed_text, twin.name, "exec")

    # Outside the rows the fix's edits cover, the file is byte-for-byte the same.
    edits = outcome.fixed_findings[0].fix.edits
    first = min(edit.span.start.row for edit in edits)
    last = max(edit.span.end.row for edit in edits)
    before, after = split_lines(outcome.original_text), split_lines(outcome.fixed_text)
    tail = len(before) - last
    assert after[: first - 1] == before[: first - 1]
    assert after[len(after) - tail :] == before[len(before) - tail :]
    assert outcome.fixed.startswith(outcome.original[: len("".join(before[: first - 1]).encode())])


@pytest.mark.parametrize("twin", AUTO_FIXED, ids=lambda p: p.stem)
def test_a_second_fix_changes_nothing(twin: Path) -> None:
    once = _fix(twin)
    twice = _fix(twin, once.fixed)
    assert twice.fixed == once.fixed and not twice.fixed_findings


def test_the_bootstrap_from_online_twin_gets_advice_but_no_edit() -> None:
    [twin] = [t for t in TWINS if _code_of(t) == "DQN005"]
    outcome = _fix(twin)
    assert not outcome.changed
    [finding] = outcome.remaining
    assert finding.code == "DQN005"
    assert finding.fix.applicability is Applicability.DISPLAY_ONLY and finding.fix.edits == ()
    assert "copy.deepcopy(online)" in finding.fix.message


def _code_lines(text: str) -> list[str]:
    """The program without its module docstring and `# expect:` markers, which differ by design."""
    body = text.split('"""', 2)[2]
    return [line.split("  # expect:")[0].rstrip() + "\n" for line in body.splitlines()]


@pytest.mark.parametrize("twin", TWINS, ids=lambda p: p.stem)
def test_a_fixed_twin_differs_from_the_reference_only_as_the_snapshot_shows(twin: Path) -> None:
    fixed = _fix(twin).fixed_text or decode_source(twin.read_bytes())
    reference = decode_source(REFERENCE.read_bytes())
    diff = "".join(
        difflib.unified_diff(_code_lines(reference), _code_lines(fixed), "reference_dqn.py", f"{twin.stem} (fixed)", n=1)
    )
    snapshot = SNAPSHOTS / f"{twin.stem}.diff"
    if os.environ.get("DQN_LINT_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(diff, encoding="utf-8")
        pytest.skip("snapshot written")
    assert diff == snapshot.read_text(encoding="utf-8")
