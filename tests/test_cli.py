"""The `dqn-lint` command line: exit codes, output formats, rule selection, noqa, files, `rule`.

The first part runs the real command in a subprocess on the DQN004 example program, so it needs the
real rules. The second part runs `main()` in-process with stand-in rules (see conftest.py), so the
command line is specified independently of what the real rules detect.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import dqn_lint
from dqn_lint import cli
from dqn_lint.registry import all_rules

JSON_KEYS = ["code", "name", "message", "severity", "filename", "location", "end_location", "related", "fix"]


# === the real command, in a subprocess ===========================================================

# --- needs no rule ------------------------------------------------------------------------------


def test_version_prints_the_name_and_the_package_version(run_cli):
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout == f"dqn-lint {dqn_lint.__version__}\n"
    assert dqn_lint.__version__ == "0.1.0"


def test_help_lists_the_commands_and_exits_0(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    assert "check" in result.stdout and "rule" in result.stdout
    check_help = run_cli("check", "--help")
    assert check_help.returncode == 0
    for option in ("--select", "--ignore", "--output-format", "--exit-zero", "--quiet", "--config"):
        assert option in check_help.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--output-format", "xml"),
        ("check", "--no-such-option"),
        ("lint",),
        (),
        ("rule",),
        ("rule", "DQN001", "--all"),
    ],
)
def test_a_usage_error_exits_2_with_one_line_on_stderr(run_cli, args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("dqn-lint: error: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("selector", ["XYZ1", "DQN0099", "DQN2"])
def test_an_unknown_code_or_prefix_exits_2_with_one_line(run_cli, write, option, selector):
    write("train.py", "x = 1\n")
    result = run_cli("check", option, selector)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"dqn-lint: error: unknown rule code or prefix '{selector}' in {option}\n"


def test_a_nonexistent_path_is_one_dqn901_finding_and_the_run_goes_on(run_cli, write):
    """As ruff's E902: the other paths are still checked, and the missing one fails the run."""
    write("train.py", "x = 1\n")
    result = run_cli("check", "--output-format", "concise", "train.py", "missing/agent.py")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "missing/agent.py:1:1: DQN901 cannot read the file: No such file or directory"
    assert result.stderr == ""


def test_a_folder_without_python_files_passes_with_a_warning(run_cli, write):
    write("README.md", "# nothing to lint\n")
    result = run_cli("check")
    assert result.returncode == 0
    assert result.stdout == "All checks passed!\n"
    assert result.stderr == "dqn-lint: warning: no Python files found under the given paths\n"


def test_a_file_that_cannot_hold_a_td_target_passes(run_cli, write):
    write("utils.py", "def add(a, b):\n    return a + b\n")
    result = run_cli("check", "--output-format", "concise")
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def _modules_imported_by_check(folder: Path, *args: str) -> set[str]:
    """The modules `python -m dqn_lint check ARGS` imports, run in `folder` (from -X importtime)."""
    import subprocess

    command = [sys.executable, "-X", "importtime", "-m", "dqn_lint", "check", *args]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}


def test_concise_and_json_runs_import_neither_rich_nor_libcst_for_files_that_fail_the_prefilter(write, tmp_path):
    write("utils.py", "def add(a, b):\n    return a + b\n")
    for fmt in ("concise", "json"):
        imported = _modules_imported_by_check(tmp_path, "utils.py", "--output-format", fmt)
        assert "rich" not in imported
        assert "libcst" not in imported


def test_a_one_file_check_imports_neither_pathspec_nor_shutil(write, tmp_path):
    """Plain globs are valid without asking pathspec, and a named file never matches them unless
    --force-exclude, so that import is left to runs that walk folders; argparse's help formatter
    is given the terminal width, so building the parser does not import shutil."""
    write("pyproject.toml", '[tool.dqn-lint]\nextend-exclude = ["fixtures/", "*.pyi"]\n')
    write("utils.py", "def add(a, b):\n    return a + b\n")
    imported = _modules_imported_by_check(tmp_path, "utils.py")
    assert "tomllib" in imported  # the config was read
    assert "pathspec" not in imported
    assert "shutil" not in imported


@pytest.mark.parametrize("command", [[], ["check"]])
def test_help_is_wrapped_to_the_columns_variable(command):
    import subprocess

    def help_lines(columns: str) -> list[str]:
        env = {**os.environ, "COLUMNS": columns}
        run = subprocess.run([sys.executable, "-m", "dqn_lint", *command, "--help"], capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout.splitlines()

    narrow, wide = help_lines("50"), help_lines("120")
    assert len(narrow) > len(wide)
    words = [line for line in narrow if " " in line.strip() and not line.strip().startswith(("usage", "{", "["))]
    assert max(len(line) for line in words) <= 50 + 30  # unbreakable option names may overhang


def test_the_console_entry_flushes_all_output_runs_atexit_handlers_and_keeps_the_exit_code(write, tmp_path, buggy_program):
    """`run` skips the interpreter's teardown, not what an exit owes: the whole report reaches a
    pipe, atexit handlers run, and the exit code is main's."""
    import subprocess

    for index in range(40):
        write(f"agent_{index}.py", buggy_program)
    program = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('atexit ran\\n'))\n"
        "sys.argv = ['dqn-lint', 'check', '.', '--output-format', 'json', '--no-cache']\n"
        "from dqn_lint.cli import run\n"
        "run()\n"
        "raise AssertionError('run returned')\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.endswith("atexit ran\n")
    report = json.loads(result.stdout)
    assert {item["filename"] for item in report} == {f"agent_{index}.py" for index in range(40)}


# --- needs the real rules: DQN004 on the example program ---------------------------------------


def concise_codes(stdout: str) -> list[str]:
    """The codes of the findings in a concise report (`path:row:col: CODE message`)."""
    return [line.split(": ", 1)[1].split()[0] for line in stdout.splitlines() if ": " in line]


def test_the_buggy_program_exits_1_and_the_clean_program_exits_0(run_cli, write, buggy_program, clean_program):
    write("buggy.py", buggy_program)
    write("clean.py", clean_program)
    assert run_cli("check", "buggy.py").returncode == 1
    clean = run_cli("check", "clean.py")
    assert (clean.returncode, clean.stdout) == (0, "All checks passed!\n"), clean.stdout


def test_exit_zero_exits_0_but_still_reports(run_cli, write, buggy_program):
    write("buggy.py", buggy_program)
    result = run_cli("check", "--exit-zero", "--output-format", "concise")
    assert result.returncode == 0
    assert "DQN004" in concise_codes(result.stdout)


def test_json_output_is_one_array_with_the_documented_keys_and_1_based_positions(
    run_cli, write, buggy_program, buggy_row
):
    write("agents/train.py", buggy_program)
    result = run_cli("check", "agents", "--output-format", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)  # nothing but the JSON document on stdout
    assert isinstance(findings, list)
    [finding] = [item for item in findings if item["code"] == "DQN004"]
    assert list(finding) == JSON_KEYS
    assert finding["filename"] == "agents/train.py"
    assert finding["severity"] in ("error", "warning")
    assert finding["location"]["row"] == buggy_row
    assert finding["location"]["column"] >= 1
    assert list(finding["location"]) == ["row", "column"]
    assert (finding["end_location"]["row"], finding["end_location"]["column"]) >= (
        finding["location"]["row"],
        finding["location"]["column"],
    )
    for related in finding["related"]:
        assert list(related) == ["message", "location", "end_location"]
        assert related["location"]["row"] >= 1 and related["location"]["column"] >= 1
    if finding["fix"] is not None:
        assert list(finding["fix"]) == ["applicability", "message", "edits"]
        assert finding["fix"]["applicability"] in ("safe", "unsafe", "display-only")


def test_json_output_of_a_clean_run_is_an_empty_array(run_cli, write, clean_program):
    write("clean.py", clean_program)
    result = run_cli("check", "--output-format", "json")
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_concise_output_is_one_line_per_finding_then_the_summary(run_cli, write, buggy_program, buggy_row):
    write("buggy.py", buggy_program)
    result = run_cli("check", "--output-format", "concise")
    *lines, summary, fix_hint = result.stdout.splitlines()
    assert summary == f"Found {len(lines)} error{'' if len(lines) == 1 else 's'}."
    assert fix_hint.startswith("No fixes available (") and "`--unsafe-fixes`" in fix_hint
    [line] = [line for line in lines if " DQN004 " in line]
    path, row, column, rest = line.split(":", 3)
    assert (path, int(row)) == ("buggy.py", buggy_row)
    assert int(column) >= 1
    assert rest.startswith(" DQN004 ")


def test_full_output_shows_the_flagged_line_underlined(run_cli, write, buggy_program, buggy_row):
    write("buggy.py", buggy_program)
    result = run_cli("check", "--select", "DQN004")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"buggy.py:{buggy_row}:")
    assert " DQN004 " in lines[0]
    source_line = buggy_program.splitlines()[buggy_row - 1]
    assert f"{buggy_row} | {source_line}" in lines
    assert any(line.strip().startswith("|") and "^" in line and line.endswith(" DQN004") for line in lines)
    assert lines[-2:] == ["Found 1 error.", "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."]


def test_quiet_prints_the_findings_without_the_summary(run_cli, write, buggy_program):
    write("buggy.py", buggy_program)
    result = run_cli("check", "--quiet", "--output-format", "concise", "--select", "DQN004")
    assert result.returncode == 1
    assert concise_codes(result.stdout) == ["DQN004"]
    assert "Found" not in result.stdout


@pytest.mark.parametrize(
    ("options", "flagged"),
    [
        ((), True),
        (("--select", "DQN004"), True),
        (("--select", "DQN00"), True),
        (("--select", "ALL"), True),
        (("--select", "DQN001"), False),
        (("--ignore", "DQN004"), False),
        (("--ignore", "DQN00"), False),
        (("--ignore", "ALL"), False),
        (("--select", "DQN00", "--ignore", "DQN004"), False),
        (("--select", "DQN004", "--ignore", "DQN00"), True),
        (("--select", "DQN004", "--ignore", "ALL"), True),
        (("--select", "DQN004", "--ignore", "DQN004"), False),
        (("--select", "DQN001,DQN004"), True),
        (("--select", "DQN001", "--select", "DQN004"), True),
    ],
)
def test_select_and_ignore_follow_the_most_specific_selector(run_cli, write, buggy_program, options, flagged):
    write("buggy.py", buggy_program)
    result = run_cli("check", "--output-format", "concise", *options)
    assert result.returncode in (0, 1), result.stderr
    assert ("DQN004" in concise_codes(result.stdout)) is flagged, result.stdout + result.stderr


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: DQN004", "# noqa: DQN001, DQN004"])
def test_noqa_on_the_flagged_line_silences_the_finding(run_cli, write, buggy_program, comment):
    write("buggy.py", buggy_program.replace("# DQN004 here", comment))
    result = run_cli("check", "--output-format", "concise", "--select", "DQN004")
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_noqa_for_another_code_does_not_silence_the_finding(run_cli, write, buggy_program):
    write("buggy.py", buggy_program.replace("# DQN004 here", "# noqa: DQN001"))
    result = run_cli("check", "--output-format", "concise", "--select", "DQN004")
    assert result.returncode == 1
    assert concise_codes(result.stdout) == ["DQN004"]


def test_noqa_on_another_line_of_a_multi_line_flagged_statement_silences_it(run_cli, write, buggy_program):
    multi_line = buggy_program.replace(
        "        y = r + gamma * target(s2).max(1).values  # DQN004 here\n",
        "        y = (\n            r\n            + gamma * target(s2).max(1).values\n        )  # noqa: DQN004\n",
    )
    write("buggy.py", multi_line)
    result = run_cli("check", "--output-format", "concise", "--select", "DQN004")
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    write("buggy.py", multi_line.replace("  # noqa: DQN004", ""))
    assert run_cli("check", "--output-format", "concise", "--select", "DQN004").returncode == 1


def test_a_file_level_noqa_skips_the_file(run_cli, write, buggy_program):
    write("buggy.py", "# dqn-lint: noqa\n" + buggy_program)
    result = run_cli("check", "--output-format", "concise")
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_a_syntax_error_is_reported_as_dqn900_and_the_run_goes_on(run_cli, write, buggy_program):
    write("a_broken.py", "import torch\ngamma = 0.99\ndef learn(:\n    pass\n")
    write("b_train.py", buggy_program)
    result = run_cli("check", "--output-format", "json")
    assert result.returncode == 1
    codes = [(item["filename"], item["code"]) for item in json.loads(result.stdout)]
    assert ("a_broken.py", "DQN900") in codes
    assert ("b_train.py", "DQN004") in codes


def test_a_file_that_is_not_utf8_is_reported_as_dqn901(run_cli, write, buggy_program):
    write("latin.py", "import torch\ngamma = 0.99\nname = 'caf\xe9'\n".encode("latin-1"))
    write("train.py", buggy_program)
    result = run_cli("check", "--output-format", "json")
    codes = [(item["filename"], item["code"]) for item in json.loads(result.stdout)]
    assert ("latin.py", "DQN901") in codes
    assert ("train.py", "DQN004") in codes


def test_file_problems_are_reported_whatever_select_says(run_cli, write):
    write("broken.py", "import torch\ngamma = 0.99\ndef learn(:\n")
    result = run_cli("check", "--select", "DQN001", "--output-format", "concise")
    assert result.returncode == 1
    assert " DQN900 " in result.stdout


def test_rule_prints_the_page_of_the_rule(run_cli):
    result = run_cli("rule", "DQN004")
    assert result.returncode == 0
    assert "(DQN004)" in result.stdout.splitlines()[0]
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in result.stdout


def test_rule_all_lists_every_rule_with_its_name_severity_and_summary(run_cli):
    result = run_cli("rule", "--all")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [rule.code for rule in all_rules()]
    assert all(line.split()[2] in ("error", "warning") for line in lines)


def test_rule_all_as_json_gives_every_rule(run_cli):
    result = run_cli("rule", "--all", "--output-format", "json")
    rules = json.loads(result.stdout)
    assert [rule["code"] for rule in rules] == [rule.code for rule in all_rules()]
    assert all(list(rule) == ["code", "name", "severity", "summary", "explanation"] for rule in rules)


def test_rule_with_an_unknown_code_exits_2(run_cli):
    result = run_cli("rule", "DQN999")
    assert result.returncode == 2
    assert result.stderr.startswith("dqn-lint: error: unknown rule code 'DQN999'")


# === main() in-process, with stand-in rules =====================================================

HEADER = "import torch\ngamma = 0.99\n"


@pytest.fixture
def lint(stand_in_rules, tmp_path, monkeypatch, capsys):
    """Run `main(args)` in tmp_path; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def concise_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if not line.startswith(("Found ", "All checks"))]


def test_exit_codes_are_0_when_clean_1_with_findings_and_0_with_exit_zero(lint, write):
    write("clean.py", HEADER + "x = 1\n")
    assert lint("check", "clean.py")[0] == 0
    write("flagged.py", HEADER + "x = 1  # flag: DQN003\n")
    assert lint("check")[0] == 1
    assert lint("check", "--exit-zero")[0] == 0


def test_concise_output_is_path_row_column_code_message(lint, write):
    write("pkg/train.py", HEADER + "x = 1\n    # comment\ny = 2  # flag: DQN002\n")
    code, out, _ = lint("check", "--output-format", "concise")
    assert code == 1
    assert out == "pkg/train.py:5:1: DQN002 stand-in finding DQN002\nFound 1 error.\n"


def test_the_summary_counts_findings_in_the_plural(lint, write):
    write("train.py", HEADER + "x = 1  # flag: DQN002\ny = 2  # flag: DQN003 DQN004\n")
    assert lint("check", "--output-format", "concise")[1].splitlines()[-1] == "Found 3 errors."


def test_findings_are_sorted_by_file_row_column_and_code(lint, write):
    write("b.py", HEADER + "x = 1  # flag: DQN004 DQN002\n")
    write("a.py", HEADER + "y = 1\nx = 1  # flag: DQN001\n")
    write("a/z.py", HEADER + "x = 1  # flag: DQN005\n")
    _, out, _ = lint("check", "--output-format", "concise", "--quiet")
    assert [line.split(": ")[0] + " " + line.split(" ")[1] for line in out.splitlines()] == [
        "a.py:4:1 DQN001",
        "a/z.py:3:1 DQN005",
        "b.py:3:1 DQN002",
        "b.py:3:1 DQN004",
    ]


def test_full_output_matches_ruffs_layout(lint, write):
    write("train.py", HEADER + "def f():\n    y = gamma * 2  # flag: DQN003 safe-fix\n    z = 1  # flag: DQN005\n")
    code, out, _ = lint("check")
    assert code == 1
    assert out == (
        "train.py:4:5: DQN003 [*] stand-in finding DQN003\n"
        "  |\n"
        "4 |     y = gamma * 2  # flag: DQN003 safe-fix\n"
        "  |     ^^^^^^^^^^^^^ DQN003\n"
        "  |\n"
        "  = help: do the right thing\n"
        "\n"
        "train.py:5:5: DQN005 stand-in finding DQN005\n"
        "  |\n"
        "5 |     z = 1  # flag: DQN005\n"
        "  |     ^^^^^ DQN005\n"
        "  |\n"
        "\n"
        "Found 1 error and 1 warning.\n"
        "[*] 1 fixable with the `--fix` option.\n"
    )


def test_full_output_without_findings_is_the_summary_alone(lint, write):
    write("train.py", HEADER)
    assert lint("check")[1] == "All checks passed!\n"


def test_quiet_drops_the_summary_in_every_text_format(lint, write):
    write("clean.py", HEADER)
    assert lint("check", "-q")[1] == ""
    assert lint("check", "--quiet", "--output-format", "concise")[1] == ""
    write("flagged.py", HEADER + "x = 1  # flag: DQN001\n")
    expected = "flagged.py:3:1: DQN001 stand-in finding DQN001\n"
    assert lint("check", "--quiet", "--output-format", "concise")[1] == expected
    assert not lint("check", "--quiet")[1].endswith("\n\n")


def test_json_output_has_the_documented_shape(lint, write):
    write("train.py", HEADER + "x = 1  # flag: DQN003 safe-fix\n")
    code, out, err = lint("check", "--output-format", "json")
    assert (code, err) == (1, "")
    assert json.loads(out) == [
        {
            "code": "DQN003",
            "name": "stand-in-dqn003",
            "message": "stand-in finding DQN003",
            "severity": "error",
            "filename": "train.py",
            "location": {"row": 3, "column": 1},
            "end_location": {"row": 3, "column": 6},
            "related": [],
            "fix": {
                "applicability": "safe",
                "message": "do the right thing",
                "edits": [
                    {"content": "pass", "location": {"row": 3, "column": 1}, "end_location": {"row": 3, "column": 6}}
                ],
            },
        }
    ]
    assert list(json.loads(out)[0]) == JSON_KEYS
    assert out.startswith("[\n  {\n    \"code\"")


def test_json_output_of_a_clean_run_is_an_empty_array_even_when_not_quiet(lint, write):
    write("train.py", HEADER)
    assert lint("check", "--output-format", "json")[1] == "[]\n"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), ["DQN001", "DQN003", "DQN005"]),
        (("--select", "DQN003"), ["DQN003"]),
        (("--select", "dqn00"), ["DQN001", "DQN003", "DQN005"]),
        (("--select", "ALL", "--ignore", "DQN005"), ["DQN001", "DQN003"]),
        (("--ignore", "DQN00", "--select", "DQN005"), ["DQN005"]),
        (("--ignore", "ALL"), []),
        (("--select", "DQN001,DQN005"), ["DQN001", "DQN005"]),
        (("--select", "DQN001", "--select", "DQN003"), ["DQN001", "DQN003"]),
        (("--ignore", "DQN001", "--ignore", "DQN003"), ["DQN005"]),
        (("--select", "DQN003", "--ignore", "DQN003"), []),
    ],
)
def test_select_and_ignore_enable_codes_by_the_most_specific_selector(lint, write, options, expected):
    write("train.py", HEADER + "a = 1  # flag: DQN001\nb = 2  # flag: DQN003\nc = 3  # flag: DQN005\n")
    _, out, _ = lint("check", "--output-format", "concise", *options)
    assert [line.split()[1] for line in concise_lines(out)] == expected


def test_command_line_selectors_override_the_config_file(lint, write):
    write("train.py", HEADER + "a = 1  # flag: DQN001\nb = 2  # flag: DQN003\n")
    write("dqn-lint.toml", 'select = ["DQN001"]\n')
    assert [line.split()[1] for line in concise_lines(lint("check", "--output-format", "concise")[1])] == ["DQN001"]
    _, out, _ = lint("check", "--output-format", "concise", "--select", "DQN003")
    assert [line.split()[1] for line in concise_lines(out)] == ["DQN003"]
    _, out, _ = lint("check", "--output-format", "concise", "--ignore", "DQN001")
    assert concise_lines(out) == []


def test_extend_select_in_the_config_adds_to_its_select(lint, write):
    write("train.py", HEADER + "a = 1  # flag: DQN001\nb = 2  # flag: DQN003\nc = 3  # flag: DQN005\n")
    write("pyproject.toml", '[tool.dqn-lint]\nselect = ["DQN001"]\nextend-select = ["DQN005"]\n')
    _, out, _ = lint("check", "--output-format", "concise")
    assert [line.split()[1] for line in concise_lines(out)] == ["DQN001", "DQN005"]


def test_file_problems_are_reported_whatever_select_and_ignore_say(lint, write):
    write("broken.py", HEADER + "def learn(:\n")
    write("latin.py", (HEADER + "name = 'caf\xe9'\n").encode("latin-1"))
    code, out, _ = lint("check", "--output-format", "concise", "--select", "DQN003", "--ignore", "DQN9")
    assert code == 1
    assert [line.split()[1] for line in concise_lines(out)] == ["DQN900", "DQN901"]


def test_per_file_ignores_drop_rules_for_matching_files_only(lint, write):
    write("dqn-lint.toml", '[per-file-ignores]\n"tests/**" = ["DQN00"]\n"legacy.py" = ["DQN001"]\n')
    flagged = HEADER + "a = 1  # flag: DQN001\nb = 2  # flag: DQN003\n"
    write("tests/unit/test_agent.py", flagged)
    write("legacy.py", flagged)
    write("agent.py", flagged)
    _, out, _ = lint("check", "--output-format", "concise", "--quiet")
    assert [line.split(": ")[0] + " " + line.split()[1] for line in out.splitlines()] == [
        "agent.py:3:1 DQN001",
        "agent.py:4:1 DQN003",
        "legacy.py:4:1 DQN003",
    ]


def test_per_file_ignores_apply_to_files_named_on_the_command_line(lint, write):
    write("dqn-lint.toml", '[per-file-ignores]\n"scripts/*.py" = ["ALL"]\n')
    write("scripts/run.py", HEADER + "a = 1  # flag: DQN001\n")
    assert lint("check", "scripts/run.py")[0] == 0


def test_noqa_comments_silence_findings_through_the_engine(lint, write):
    write(
        "train.py",
        HEADER
        + "a = 1  # flag: DQN001  # noqa\n"
        + "b = 2  # flag: DQN003  # noqa: DQN003\n"
        + "c = 3  # flag: DQN004  # noqa: DQN001\n",
    )
    _, out, _ = lint("check", "--output-format", "concise")
    assert [line.split()[1] for line in concise_lines(out)] == ["DQN004"]


def test_a_file_level_noqa_skips_the_whole_file(lint, write):
    write("train.py", "# dqn-lint: noqa\n" + HEADER + "a = 1  # flag: DQN001\n")
    assert lint("check") == (0, "All checks passed!\n", "")


def test_a_syntax_error_gives_dqn900_and_the_next_file_is_still_linted(lint, write):
    write("a.py", HEADER + "def learn(:\n    pass\n")
    write("b.py", HEADER + "x = 1  # flag: DQN002\n")
    code, out, _ = lint("check", "--output-format", "concise")
    assert code == 1
    lines = concise_lines(out)
    assert lines[0].startswith("a.py:") and " DQN900 syntax error" in lines[0]
    assert lines[1] == "b.py:3:1: DQN002 stand-in finding DQN002"


def test_a_non_utf8_file_gives_dqn901_and_the_full_report_skips_its_lines(lint, write):
    write("latin.py", (HEADER + "name = 'caf\xe9'\n").encode("latin-1"))
    code, out, _ = lint("check")
    assert code == 1
    assert out.startswith("latin.py:1:1: DQN901 cannot decode the file")
    assert "|" not in out


@pytest.mark.parametrize("afterwards", ["deleted", "rewritten"])
def test_the_full_report_shows_the_lines_that_were_linted(afterwards, stand_in_rules, tmp_path, monkeypatch, capsys):
    """The report never reads the file again: a file deleted or edited between linting and
    reporting is shown as it was linted."""
    from dqn_lint import engine

    monkeypatch.chdir(tmp_path)
    (tmp_path / "gone.py").write_text(HEADER + "x = 1  # flag: DQN001\n")
    real_lint_source = engine.lint_source

    def lint_then_change(source, display_name, rules, facts=None):
        findings = real_lint_source(source, display_name, rules, facts)
        if afterwards == "deleted":
            Path(display_name).unlink()
        else:
            Path(display_name).write_text("something else entirely\n" * 5)
        return findings

    monkeypatch.setattr(engine, "lint_source", lint_then_change)
    assert cli.main(["check"]) == 1
    assert capsys.readouterr().out == (
        "gone.py:3:1: DQN001 stand-in finding DQN001\n"
        "  |\n"
        "3 | x = 1  # flag: DQN001\n"
        "  | ^^^^^ DQN001\n"
        "  |\n"
        "\n"
        "Found 1 error.\n"
    )


def test_an_unexpected_exception_is_one_line_and_exit_2(stand_in_rules, tmp_path, monkeypatch, capsys):
    from dqn_lint import engine

    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(HEADER)

    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(engine, "lint_source", explode)
    assert cli.main(["check"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "dqn-lint: internal error: RuntimeError: boom second line\n"
    assert captured.out == ""


def test_help_and_version_return_0_from_main(lint):
    code, out, _ = lint("--version")
    assert (code, out) == (0, "dqn-lint 0.1.0\n")
    assert lint("check", "--help")[0] == 0


# --- which files are linted --------------------------------------------------------------------


def linted_files(lint, *paths: str) -> list[str]:
    code, out, err = lint("check", "--output-format", "concise", "--quiet", *paths)
    assert code in (0, 1), err
    return sorted({line.split(":")[0] for line in out.splitlines()})


FLAGGED = HEADER + "x = 1  # flag: DQN001\n"


def test_hidden_folders_and_usual_tool_folders_are_skipped(lint, write):
    skipped = (".hidden", ".git", ".venv", "venv", "__pycache__", "build", "dist", "node_modules", ".tox", "pkg/build")
    for folder in skipped:
        write(f"{folder}/train.py", FLAGGED)
    write("pkg/train.py", FLAGGED)
    assert linted_files(lint) == ["pkg/train.py"]


def test_site_packages_and_virtualenvs_of_any_name_are_skipped_but_a_named_package_is_linted(lint, write):
    write("env/lib/site-packages/agent/train.py", FLAGGED)
    write("myenv/pyvenv.cfg", "home = /usr/bin\n")
    write("myenv/lib/agent/train.py", FLAGGED)
    write("pkg/train.py", FLAGGED)
    assert linted_files(lint) == ["pkg/train.py"]
    assert linted_files(lint, "env/lib/site-packages/agent") == ["env/lib/site-packages/agent/train.py"]


def test_only_python_files_are_found_in_folders_but_a_named_file_is_always_linted(lint, write):
    write("train.py", FLAGGED)
    write("stubs.pyi", FLAGGED)
    write("notes.txt", FLAGGED)
    write("script", FLAGGED)
    assert linted_files(lint) == ["stubs.pyi", "train.py"]
    assert linted_files(lint, "script", "notes.txt") == ["notes.txt", "script"]


def test_a_file_named_on_the_command_line_is_linted_even_in_an_excluded_folder(lint, write):
    write("build/train.py", FLAGGED)
    write("dqn-lint.toml", 'extend-exclude = ["scratch.py"]\n')
    write("scratch.py", FLAGGED)
    assert linted_files(lint) == []
    assert linted_files(lint, "build/train.py", "scratch.py") == ["build/train.py", "scratch.py"]


def test_a_folder_named_on_the_command_line_is_walked_even_if_excluded(lint, write):
    write(".venv/lib/agent/train.py", FLAGGED)
    write(".venv/lib/agent/__pycache__/train.py", FLAGGED)
    assert linted_files(lint, ".venv/lib") == [".venv/lib/agent/train.py"]


def test_exclude_in_the_config_replaces_the_default_exclusions(lint, write):
    write("dqn-lint.toml", 'exclude = ["generated"]\n')
    write("generated/train.py", FLAGGED)
    write("build/train.py", FLAGGED)
    assert linted_files(lint) == ["build/train.py"]


def test_exclude_globs_are_relative_to_the_config_folder(lint, write, tmp_path, monkeypatch):
    write("dqn-lint.toml", 'extend-exclude = ["/src/gen/", "*_pb2.py"]\n')
    write("src/gen/train.py", FLAGGED)
    write("src/agent/gen/train.py", FLAGGED)
    write("src/agent/model_pb2.py", FLAGGED)
    monkeypatch.chdir(tmp_path / "src")
    assert linted_files(lint) == ["agent/gen/train.py"]


def test_names_are_shown_as_the_path_was_given(lint, write, tmp_path):
    write("pkg/sub/train.py", FLAGGED)
    assert linted_files(lint, "pkg") == ["pkg/sub/train.py"]
    assert linted_files(lint, "./pkg/") == ["pkg/sub/train.py"]
    assert linted_files(lint, "pkg/sub/train.py") == ["pkg/sub/train.py"]
    absolute = str(tmp_path / "pkg")
    assert linted_files(lint, absolute) == [os.path.join(absolute, "sub", "train.py")]


def test_a_file_reached_twice_is_linted_once(lint, write):
    write("pkg/train.py", FLAGGED)
    _, out, _ = lint("check", "--output-format", "concise", "--quiet", "pkg", "pkg/train.py", ".")
    assert out == "pkg/train.py:3:1: DQN001 stand-in finding DQN001\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folders_are_not_followed_so_loops_end(lint, write, tmp_path):
    write("pkg/train.py", FLAGGED)
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop", target_is_directory=True)
    os.symlink(tmp_path / "pkg", tmp_path / "alias", target_is_directory=True)
    assert linted_files(lint) == ["pkg/train.py"]


# --- the rule command --------------------------------------------------------------------------


def test_rule_prints_the_markdown_page_as_plain_text_when_not_a_terminal(lint, stand_in_rules):
    code, out, _ = lint("rule", "dqn003")
    assert code == 0
    assert out == stand_in_rules[2].page() + (
        "\n## Confirmed by training\nThis rule has no training experiment.\n"
        "\n## Confirmed on your script\nThis rule has no run-time probe yet (`dqn-lint probe` reports it as not probed).\n"
    )


def test_rule_renders_the_page_with_rich_on_a_terminal(stand_in_rules, monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert cli.main(["rule", "DQN003"]) == 0
    rendered = terminal.getvalue()
    assert "stand-in-dqn003 (DQN003)" in rendered
    assert "## What it does" not in rendered  # headings are rendered, not printed raw


def test_rule_all_prints_an_aligned_table(lint):
    code, out, _ = lint("rule", "--all")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "DQN001  stand-in-dqn001  error    Stand-in rule DQN001 for command-line tests"
    assert lines[4] == "DQN005  stand-in-dqn005  warning  Stand-in rule DQN005 for command-line tests"


def test_rule_as_json_gives_the_rule_and_its_page(lint, stand_in_rules):
    code, out, _ = lint("rule", "DQN005", "--output-format", "json")
    assert code == 0
    assert json.loads(out) == {
        "code": "DQN005",
        "name": "stand-in-dqn005",
        "severity": "warning",
        "summary": "Stand-in rule DQN005 for command-line tests",
        "explanation": stand_in_rules[4].page(),
        "experiment": None,
        "runtime_probe": None,
    }
    code, out, _ = lint("rule", "--all", "--output-format", "json")
    assert [rule["code"] for rule in json.loads(out)] == ["DQN001", "DQN002", "DQN003", "DQN004", "DQN005"]


def test_rule_page_ends_with_its_experiment_and_the_verdict_verify_cached(tmp_path, monkeypatch, capsys):
    """`dqn-lint rule DQN008` after `dqn-lint verify DQN008`: the twin, the probe, the measures with
    their predicted directions, and what was measured, read from the evidence cache."""
    from dqn_lint.registry import rule_by_code
    from dqn_lint.verify import cache
    from dqn_lint.verify.command import cache_key, plan
    from dqn_lint.verify.evidence import Evidence
    from dqn_lint.verify.runner import Settings

    monkeypatch.setenv("DQN_LINT_CACHE_DIR", str(tmp_path))
    rule = rule_by_code("DQN008")
    assert cli.main(["rule", "DQN008"]) == 0
    before = capsys.readouterr().out
    assert "- Twin: `fixtures/twins/dqn008_loss_shape_broadcast.py`" in before
    assert "- Mechanism: the loss pairs every prediction with every target" in before
    assert "- Measures: eval return (predicted lower, primary); TD-error std (predicted higher)" in before
    assert "- Verdict: not measured here yet; `dqn-lint verify DQN008` trains it" in before

    record = json.loads((Path(__file__).parent.parent / "docs" / "verify" / "evidence-cartpole-5seeds.json").read_text())
    (stored,) = [entry for entry in record["evidence"] if entry["rule"] == "DQN008"]
    (item,) = plan([rule], Settings(), time_limit_given=False)
    cache.store(cache_key(item), Evidence.from_json(stored))
    assert cli.main(["rule", "DQN008"]) == 0
    after = capsys.readouterr().out
    assert f"- Verdict (cached, version {stored['version']}): {stored['headline']}\n\n## Confirmed on your script\n" in after
    assert cli.main(["rule", "DQN008", "--output-format", "json"]) == 0
    experiment = json.loads(capsys.readouterr().out)["experiment"]
    assert experiment["twin"] == "dqn008_loss_shape_broadcast"
    assert experiment["cached_verdict"] == {"verdict": "confirmed", "headline": stored["headline"]}


def test_a_rule_with_a_run_time_probe_says_what_dqn_lint_probe_watches(capsys):
    assert cli.main(["rule", "DQN002"]) == 0
    assert capsys.readouterr().out.endswith(
        "## Confirmed on your script\n`dqn-lint probe SCRIPT` runs your script briefly and watches the flagged "
        "expression: confirmed when the bootstrap value requires grad.\n"
    )
    assert cli.main(["rule", "DQN002", "--output-format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["runtime_probe"] == {
        "site": "finding", "observation": "requires_grad", "claim": "the bootstrap value requires grad"}


def test_a_rule_with_a_time_limit_names_it_and_its_own_environment_in_its_experiment(capsys):
    assert cli.main(["rule", "DQN003"]) == 0
    out = capsys.readouterr().out
    assert "- Environment: DQNLint/StayOrQuit-v0\n" in out
    assert "- TimeLimit: DQNLint/StayOrQuit-v0 5, CartPole-v1 100" in out
    assert "`dqn-lint verify DQN003` trains it (DQNLint/StayOrQuit-v0, 5 seeds)" in out
    assert cli.main(["rule", "DQN004"]) == 0
    assert "- Environment: CartPole-v1\n" in capsys.readouterr().out


def test_rule_with_an_unknown_code_is_a_one_line_error(lint):
    code, out, err = lint("rule", "DQN404")
    assert (code, out) == (2, "")
    assert err == "dqn-lint: error: unknown rule code 'DQN404' (see 'dqn-lint rule --all')\n"


def test_an_unknown_selector_is_checked_against_the_registered_rules(lint, write):
    write("train.py", HEADER)
    assert lint("check", "--select", "DQN006")[0] == 2
    assert lint("check", "--select", "DQN9")[0] == 0  # file-problem codes are known codes


def test_summary_counts_warnings_apart_from_errors():
    from dqn_lint.diagnostics import Finding, Position, Severity, Span
    from dqn_lint.reporters import summary_line

    def finding(severity):
        where = Position(1, 1)
        return Finding("DQN001", "x", "m", severity, Span(where, where))

    assert summary_line([]) == "All checks passed!"
    assert summary_line([finding(Severity.WARNING)]) == "Found 1 warning."
    assert summary_line([finding(Severity.ERROR)] * 2 + [finding(Severity.WARNING)] * 3) == "Found 2 errors and 3 warnings."


def test_without_the_lsp_extra_the_server_command_is_a_one_line_error(monkeypatch, capsys):
    for name in [name for name in sys.modules if name == "dqn_lint.lsp.server" or name.startswith("pygls")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)  # `import pygls` raises ImportError
    assert cli.main(["server"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dqn-lint: error: the language server needs the lsp extra") and err.count("\n") == 1
