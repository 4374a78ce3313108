"""Property tests: on any program CPython compiles, linting never crashes and fixing never breaks it.

The programs come from `tests/dqn_strategies.py`: hypothesmith's grammar-generated programs behind
a torch-and-gamma header, and DQN-like programs mutated from the fixtures and review cases, in LF,
CRLF or CR line ends, with or without a BOM, a latin-1 coding cookie, tabs.

Properties (one test each):
- linting never raises and never reports an internal error (DQN902) or a read error (DQN901), and a
  program CPython compiles gets no parse error (DQN900);
- with safe and with unsafe fixes, the fixed bytes compile, and no fix is refused;
- fixing is idempotent: fixing the fixed bytes again changes nothing;
- a file with no findings is never modified, neither by `fix_source` nor by `check --fix`; the
  command line writes exactly the bytes `fix_source` computes;
- the fix keeps the BOM, the coding cookie and the line-ending style of the original;
- after a fix that was not refused, no remaining finding has a fix of the allowed kind (the fix
  loop stops when there is none, when the fixes change nothing, or after `MAX_PASSES`: the last
  two would leave a fixable finding behind, and both are bugs of a rule's fix).

The default profile (`ci`: 40-150 examples a test, derandomized, so CI runs the same examples every
time) takes about 40 s on one core. For a long sweep with fresh random examples (10,600 in
all, about 11 minutes on one core):

    DQN_LINT_HYPOTHESIS_PROFILE=sweep python -m pytest tests/test_properties.py -p no:cacheprovider

(`DQN_LINT_HYPOTHESIS_EXAMPLES=N` overrides the number of examples of every test.) A failure
prints the shrunk program and a `@reproduce_failure` blob; add the program as an `@example` here.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings

import dqn_strategies as ds
from dqn_lint import cli, diagnostics, engine, registry, sources
from dqn_lint.diagnostics import Applicability, Finding
from dqn_lint.fixes.apply import FixOutcome, fix_source

# - too_slow, data_too_large: a draw parses and compiles whole programs, by design;
# - filter_too_much: hypothesmith's programs are filtered by size;
# - function_scoped_fixture: conftest's autouse fixture only points the result cache at a fresh
#   folder, which every example of a test may share.
_SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]
# No example database: a failure prints its program and a `@reproduce_failure` blob instead.
_COMMON = dict(deadline=None, database=None, print_blob=True, suppress_health_check=_SUPPRESSED)
settings.register_profile("dqn_lint_ci", derandomize=True, **_COMMON)
settings.register_profile("dqn_lint_sweep", derandomize=False, **_COMMON)
PROFILE = os.environ.get("DQN_LINT_HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "sweep"):
    raise ValueError(f"DQN_LINT_HYPOTHESIS_PROFILE must be ci or sweep, not {PROFILE!r}")
_BASE = settings.get_profile(f"dqn_lint_{PROFILE}")


def _settings(ci: int, sweep: int) -> settings:
    """This module's profile (not loaded globally: other test modules keep their own settings)."""
    count = os.environ.get("DQN_LINT_HYPOTHESIS_EXAMPLES")
    return settings(_BASE, max_examples=int(count) if count else (ci if PROFILE == "ci" else sweep))


RULES = registry.all_rules()
SAFE = frozenset({Applicability.SAFE})
UNSAFE = frozenset({Applicability.SAFE, Applicability.UNSAFE})
ALLOWED = pytest.mark.parametrize("allowed", [SAFE, UNSAFE], ids=["safe", "unsafe"])
FILENAME = "program.py"

# Programs with fixes to make, in the layouts the strategies draw (a twin: the whole agent).
_TWIN = (ds.ROOT / "fixtures" / "twins" / "dqn003_truncation_as_termination.py").read_bytes()
_MISSING_MASK = (ds.ROOT / "tests" / "cases" / "p02_cleanrl_no_mask.py").read_bytes()
# Found by the sweep: `with torch.no_grad():` wrapped a line indented "\t    " as "    \t    ...",
# a TabError, so the safe fix was refused (fixed in fixes/builders.py).
_TAB_THEN_SPACES = (
    b"import torch\n"
    b"def learn(online, target, s, r, s2, gamma=0.99):\n"
    b"\tif True:\n"
    b"\t    y = r + gamma * target(s2).max(1).values\n"
    b"\t    loss = (online(s) - y).pow(2).mean()\n"
    b"\t    loss.backward()\n"
)
# Found by the sweep (not fixed: rules/dqn002 with fixes/imports.py): a local `torch` shadows the
# module, DQN002's unsafe fix still writes `with torch.no_grad():`, which the rule then does not
# recognise, so each pass wraps once more (ten nested `with` after MAX_PASSES): not idempotent,
# and the finding keeps its fix.
_SHADOWED_TORCH = (
    b"import torch\n"
    b"\n"
    b"def learn(q, s, s2, r, gamma=0.99):\n"
    b"    torch = 1\n"
    b"    y = r + gamma * q(s2).max(1).values\n"
    b"    (q(s) - y).mean().backward()\n"
)
_EXAMPLES = [
    _TAB_THEN_SPACES,
    _SHADOWED_TORCH,
    ds.BOM + _TWIN.replace(b"\n", b"\r\n"),
    _MISSING_MASK.replace(b"\n", b"\r"),
    ds.BOM + _MISSING_MASK.replace(b"    ", b"\t").rstrip(b"\n"),
    b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + _MISSING_MASK,
    # lines ended by \r alone: the cookie is on the first of them, as CPython reads it
    (b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + _MISSING_MASK).replace(b"\n", b"\r"),
]


def _with_examples(test):
    for source in reversed(_EXAMPLES):
        test = example(source=source)(test)
    return test


def _fix(source: bytes, allowed: frozenset[Applicability]) -> FixOutcome:
    outcome = fix_source(source, FILENAME, RULES, allowed)
    event(f"fixes applied: {len(outcome.fixed_findings)}")  # see --hypothesis-show-statistics
    return outcome


def _is_our_bug(finding: Finding) -> bool:
    """A file-level finding a valid program must never get (DQN903, too complex, is allowed)."""
    if finding.code == diagnostics.INTERNAL_ERROR[0]:
        return "nested too deeply" not in finding.message
    return finding.code in (diagnostics.READ_ERROR[0], diagnostics.PARSE_ERROR[0])


def _describe(findings: list[Finding]) -> list[str]:
    return [f"{f.code} {f.span.start.row}:{f.span.start.column} {f.message}" for f in findings]


@_settings(ci=150, sweep=3000)
@given(ds.programs())
@_with_examples
def test_linting_a_valid_program_never_raises_nor_reports_a_file_error(source: bytes) -> None:
    findings = engine.lint_source(source, FILENAME, RULES)
    event(f"findings: {' '.join(sorted({finding.code for finding in findings})) or 'none'}")
    assert not [finding for finding in findings if _is_our_bug(finding)], _describe(findings)


@ALLOWED
@_settings(ci=50, sweep=800)
@given(source=ds.dqn_programs())
@_with_examples
def test_fixed_source_compiles_and_no_fix_is_refused(source: bytes, allowed: frozenset[Applicability]) -> None:
    outcome = _fix(source, allowed)
    assert outcome.error is None, (outcome.error, _describe(outcome.remaining))
    if outcome.changed:
        assert ds.compiles(outcome.fixed), outcome.fixed_text
        assert outcome.fixed_findings
    else:
        assert outcome.fixed == source and not outcome.fixed_findings


@ALLOWED
@_settings(ci=40, sweep=800)
@given(source=ds.dqn_programs())
@_with_examples
def test_fixing_the_fixed_source_again_changes_nothing(source: bytes, allowed: frozenset[Applicability]) -> None:
    first = _fix(source, allowed)
    second = _fix(first.fixed, allowed)
    assert second.fixed == first.fixed, (first.fixed_text, second.fixed_text)
    assert second.fixed_findings == ()


@_settings(ci=60, sweep=1000)
@given(ds.programs())
@_with_examples
def test_a_program_without_fixable_findings_is_returned_unchanged(source: bytes) -> None:
    findings = engine.lint_source(source, FILENAME, RULES)
    outcome = _fix(source, UNSAFE)
    if not any(finding.fixable(UNSAFE) for finding in findings):
        assert outcome.fixed == source
        assert outcome.remaining == findings


def _check_fix_in_a_folder(source: bytes) -> tuple[int, bytes]:
    """`dqn-lint check --fix --unsafe-fixes` on the program as a file in a fresh folder: the exit
    code and the file's bytes afterwards."""
    with tempfile.TemporaryDirectory(prefix="dqn-lint-property-") as folder:
        path = Path(folder) / FILENAME
        path.write_bytes(source)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            argv = ["check", "--fix", "--unsafe-fixes", "--select", "ALL", "--isolated", "--no-cache", "-q", str(path)]
            code = cli.main(argv)  # ALL: with the opt-in DQN100, the rules `fix_source` gets here
        assert code in (0, 1), (code, out.getvalue(), err.getvalue())
        return code, path.read_bytes()


@_settings(ci=10, sweep=200)
@given(ds.programs())
@example(_TWIN)
@example(b"import torch\ngamma = 0.99\r\nx = 1\r\n")
@example(b"import torch\ngamma = 0.99\nx = 1  # noqa: DQN004\n")  # DQN100's safe fix
def test_check_fix_on_disk_writes_what_fix_source_computes(source: bytes) -> None:
    outcome = _fix(source, UNSAFE)
    code, written = _check_fix_in_a_folder(source)
    assert written == outcome.fixed
    assert code == (1 if outcome.remaining else 0)
    if not engine.lint_source(source, FILENAME, RULES):
        assert written == source


@ALLOWED
@_settings(ci=40, sweep=800)
@given(source=ds.dqn_programs())
@_with_examples
def test_fixing_keeps_the_bom_cookie_and_line_endings(source: bytes, allowed: frozenset[Applicability]) -> None:
    outcome = _fix(source, allowed)
    assert outcome.fixed.startswith(ds.BOM) == source.startswith(ds.BOM)
    original_text, fixed_text = sources.decode_source(source), sources.decode_source(outcome.fixed)
    assert sources.source_encoding(outcome.fixed) == sources.source_encoding(source)
    newline = ds.newline_of(original_text)
    if newline is not None:
        assert ds.newline_of(fixed_text) == newline, repr(fixed_text)
    if source.endswith((b"\n", b"\r")):
        assert outcome.fixed.endswith(newline.encode() if newline else (b"\n", b"\r"))


@ALLOWED
@_settings(ci=40, sweep=800)
@given(source=ds.dqn_programs())
@_with_examples
def test_no_fixable_finding_remains_after_a_fix(source: bytes, allowed: frozenset[Applicability]) -> None:
    outcome = _fix(source, allowed)
    if outcome.error is None:  # a refused fix reports the original findings, fixes and all
        left = [finding for finding in outcome.remaining if finding.fixable(allowed)]
        assert not left, (_describe(left), outcome.fixed_text)


def test_the_explicit_examples_are_valid_programs() -> None:
    """The properties hold for programs CPython compiles; so must every `@example` given here."""
    assert all(ds.compiles(source) for source in _EXAMPLES)
