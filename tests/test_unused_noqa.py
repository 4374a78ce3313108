"""DQN100 unused-noqa: which directives it reports, where, with what message, and its fix."""

from __future__ import annotations

import dataclasses
import json

import pytest

from dqn_lint.diagnostics import Position, allowed_applicabilities
from dqn_lint.engine import lint_source
from dqn_lint.fixes.apply import fix_source
from dqn_lint.registry import all_rules, rule_by_code

SAFE = allowed_applicabilities(False)
# A learner without the terminal mask: DQN004 on line 8.
UNMASKED = """\
import torch

gamma = 0.99


def target_of(r, s2, target, done):
    with torch.no_grad():
        return r + gamma * target(s2).max(1).values{comment}
"""
MASKED = UNMASKED.replace("max(1).values{comment}", "max(1).values * (1 - done){comment}")


def rules(*codes: str):
    return [rule_by_code(code) for code in codes]


def dqn100(source: str, active=None) -> list:
    findings = lint_source(source.encode("utf-8"), "x.py", all_rules() if active is None else active)
    return [finding for finding in findings if finding.code == "DQN100"]


def messages(source: str, active=None) -> list[str]:
    return [finding.message for finding in dqn100(source, active)]


def fixed(source: str, active=None) -> str:
    outcome = fix_source(source.encode("utf-8"), "x.py", all_rules() if active is None else active, SAFE)
    assert outcome.error is None
    return outcome.fixed.decode("utf-8")


# --- what is reported ------------------------------------------------------------------------------


def test_an_unused_code_is_reported_from_the_hash_of_its_directive_to_the_end_of_the_comment():
    [finding] = dqn100(MASKED.format(comment="  # type: ignore  # noqa: DQN004"))
    line = MASKED.format(comment="  # type: ignore  # noqa: DQN004").splitlines()[7]
    assert finding.message == "Unused `noqa` directive (unused: `DQN004`)"
    assert finding.span.start == Position(8, line.index("# noqa") + 1)
    assert finding.span.end == Position(8, len(line) + 1)
    assert finding.statement_rows == (8, 8)
    assert (finding.severity.value, finding.name, finding.filename) == ("warning", "unused-noqa", "x.py")


def test_a_code_that_silences_a_finding_is_not_reported():
    assert dqn100(UNMASKED.format(comment="  # noqa: DQN004")) == []


def test_only_the_unused_codes_of_a_directive_are_listed():
    assert messages(UNMASKED.format(comment="  # noqa: DQN004, DQN001, DQN003")) == [
        "Unused `noqa` directive (unused: `DQN001`, `DQN003`)"
    ]


@pytest.mark.parametrize("comment", ["  # noqa", "  # noqa: E501", "  # noqa: F401, B950", "  # NOQA"])
def test_bare_directives_and_other_tools_codes_are_never_reported(comment):
    assert dqn100(MASKED.format(comment=comment)) == []


def test_a_known_code_whose_rule_did_not_run_is_non_enabled():
    source = MASKED.format(comment="  # noqa: DQN002")
    assert messages(source, rules("DQN004", "DQN100")) == ["Unused `noqa` directive (non-enabled: `DQN002`)"]
    assert messages(source, rules("DQN002", "DQN100")) == ["Unused `noqa` directive (unused: `DQN002`)"]


def test_a_code_no_rule_has_is_unknown():
    assert messages(MASKED.format(comment="  # noqa: DQN999")) == ["Unused `noqa` directive (unknown: `DQN999`)"]


def test_the_message_lists_unused_then_non_enabled_then_unknown_as_ruff_does():
    source = MASKED.format(comment="  # noqa: DQN999, DQN002, DQN004, dqn001")
    assert messages(source, rules("DQN004", "DQN001", "DQN100")) == [
        "Unused `noqa` directive (unused: `DQN004`, `DQN001`; non-enabled: `DQN002`; unknown: `DQN999`)"
    ]


def test_a_repeated_code_is_listed_once():
    assert messages(MASKED.format(comment="  # noqa: DQN004, DQN004")) == ["Unused `noqa` directive (unused: `DQN004`)"]


def test_a_code_of_a_file_problem_counts_as_enabled():
    assert messages(MASKED.format(comment="  # noqa: DQN901")) == ["Unused `noqa` directive (unused: `DQN901`)"]


def test_file_level_directives_are_never_reported():
    assert dqn100("# dqn-lint: noqa: DQN003, DQN999\n" + MASKED.format(comment="")) == []


def test_naming_dqn100_in_the_directive_keeps_it():
    assert dqn100(MASKED.format(comment="  # noqa: DQN004, DQN100")) == []
    assert dqn100(MASKED.format(comment="  # noqa: DQN100")) == []


def test_a_file_directive_for_dqn100_silences_every_report():
    assert dqn100("# dqn-lint: noqa: DQN100\n" + MASKED.format(comment="  # noqa: DQN004")) == []


def test_nothing_is_reported_when_dqn100_does_not_run():
    source = MASKED.format(comment="  # noqa: DQN004, DQN999")
    assert lint_source(source.encode(), "x.py", rules("DQN001", "DQN004")) == []


def test_a_noqa_on_another_statement_is_unused_even_if_it_names_the_code():
    header = "    with torch.no_grad():"
    source = UNMASKED.format(comment="").replace(header, header + "  # noqa: DQN004")
    findings = lint_source(source.encode(), "x.py", all_rules())
    assert [(f.code, f.span.start.row) for f in findings] == [("DQN100", 7), ("DQN004", 8)]


def test_a_file_the_prefilter_rejects_is_judged_from_its_comments_without_a_parse(monkeypatch):
    import libcst

    def no_parse(*args, **kwargs):
        raise AssertionError("a file without a TD target must not be parsed")

    monkeypatch.setattr(libcst, "parse_module", no_parse)
    source = "import json  # noqa: F401, DQN003\n\nx = 1  # noqa: DQN999\n"
    assert [(f.span.start.row, f.message) for f in dqn100(source)] == [
        (1, "Unused `noqa` directive (unused: `DQN003`)"),
        (3, "Unused `noqa` directive (unknown: `DQN999`)"),
    ]


def test_a_file_the_prefilter_rejects_gives_nothing_when_it_does_not_parse():
    assert lint_source(b"def f(:  # noqa: DQN003\n    pass\n", "x.py", all_rules()) == []


def test_a_file_with_a_syntax_error_gets_its_dqn900_and_no_dqn100():
    source = b"import torch\ngamma = 0.99  # noqa: DQN004\ndef learn(:\n"
    assert [f.code for f in lint_source(source, "x.py", all_rules())] == ["DQN900"]


def test_after_a_rule_crash_no_directive_is_judged():
    def explode(model):
        raise ValueError("boom")

    broken = dataclasses.replace(rule_by_code("DQN001"), check=explode)
    source = MASKED.format(comment="  # noqa: DQN004")
    assert [f.code for f in lint_source(source.encode(), "x.py", [broken, *rules("DQN004", "DQN100")])] == ["DQN902"]


def test_dqn100_is_part_of_the_registry_with_its_page():
    page = rule_by_code("DQN100").page()
    assert page.startswith("# unused-noqa (DQN100)")
    assert "Default severity: warning" in page


# --- the fix -----------------------------------------------------------------------------------------

NO_TD = "import json\n\n"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1  # noqa: DQN003\n", "x = 1\n"),
        ("x = 1  # noqa: E501, DQN003\n", "x = 1  # noqa: E501\n"),
        ("x = 1  # noqa:DQN003,E501 DQN001\n", "x = 1  # noqa:E501\n"),
        ("x = 1  # type: ignore  # noqa: DQN003\n", "x = 1  # type: ignore\n"),
        ("x = 1  # noqa: DQN003  # type: ignore\n", "x = 1  # type: ignore\n"),
        ("x = 1  # noqa: DQN003 legacy baseline\n", "x = 1  # legacy baseline\n"),
        ('s = "γγγ"  # noqa: DQN003\n', 's = "γγγ"\n'),
        ("x = 1  # noqa: DQN003\r\ny = 2\r\n", "x = 1\r\ny = 2\r\n"),
        ("x = 1  # noqa: DQN003", "x = 1"),
        ("y = [\n    # noqa: DQN003\n    1,\n]\n", "y = [\n    1,\n]\n"),
    ],
)
def test_the_fix_drops_the_unused_codes_or_the_whole_directive(line, expected):
    assert fixed(NO_TD + line) == NO_TD + expected
    assert fixed(NO_TD + expected) == NO_TD + expected


def test_the_fix_keeps_the_used_codes_of_a_directive():
    assert fixed(UNMASKED.format(comment="  # noqa: DQN001, DQN004")) == UNMASKED.format(comment="  # noqa: DQN004")


def test_the_fix_on_a_parsed_file_removes_the_directive_and_a_second_run_changes_nothing():
    source = MASKED.format(comment="  # noqa: DQN004") + "x = 1  # noqa: E501, DQN002\n"
    once = fixed(source)
    assert once == MASKED.format(comment="") + "x = 1  # noqa: E501\n"
    assert fixed(once) == once
    assert dqn100(once) == []


def test_the_fix_is_safe():
    [finding] = dqn100(MASKED.format(comment="  # noqa: DQN004"))
    assert finding.fix is not None and finding.fix.applicability.value == "safe"


def test_without_dqn100_the_fixer_leaves_a_file_without_a_td_target_alone():
    source = (NO_TD + "x = 1  # noqa: DQN003\n").encode()
    assert not fix_source(source, "x.py", rules("DQN003"), SAFE).changed


# --- opt-in on the command line ----------------------------------------------------------------------


def test_dqn100_is_off_by_default_and_on_with_select_or_extend_select(run_cli, write):
    path = write("learn.py", MASKED.format(comment="  # noqa: DQN004"))
    assert run_cli("check", "learn.py").returncode == 0
    selected = run_cli("check", "learn.py", "--select", "DQN100", "--output-format", "json")
    assert [f["code"] for f in json.loads(selected.stdout)] == ["DQN100"]
    assert "DQN100" in run_cli("check", "learn.py", "--select", "ALL", "--output-format", "concise").stdout
    write("pyproject.toml", '[tool.dqn-lint]\nextend-select = ["DQN100"]\n')
    assert "DQN100" in run_cli("check", "learn.py", "--output-format", "concise").stdout
    assert path.read_text(encoding="utf-8") == MASKED.format(comment="  # noqa: DQN004")


def test_check_fix_removes_unused_directives_and_a_second_run_changes_nothing(run_cli, write):
    learner = write("learn.py", MASKED.format(comment="  # noqa: DQN004"))
    helper = write("util.py", NO_TD + "x = 1  # type: ignore  # noqa: E501, DQN003\n")
    result = run_cli("check", "--select", "DQN100", "--fix")
    assert result.returncode == 0, result.stdout + result.stderr
    assert learner.read_text(encoding="utf-8") == MASKED.format(comment="")
    assert helper.read_text(encoding="utf-8") == NO_TD + "x = 1  # type: ignore  # noqa: E501\n"
    again = run_cli("check", "--select", "DQN100", "--fix")
    assert again.returncode == 0
    assert learner.read_text(encoding="utf-8") == MASKED.format(comment="")


def test_rule_dqn100_prints_its_page(run_cli):
    result = run_cli("rule", "DQN100")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "# unused-noqa (DQN100)"
