"""`check` where teams run it: per-folder config, .gitignore, --force-exclude, stdin, the output file,
the result cache and parallel workers. Everything runs the real command with the real rules on the
DQN004 example program (`buggy_program`, flagged on `buggy_row`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dqn_lint import cli

ROOT = Path(__file__).resolve().parent.parent
TWINS = sorted((ROOT / "fixtures" / "twins").glob("dqn*.py"))


@pytest.fixture
def check(tmp_path, monkeypatch, capsys):
    """`main(["check", ...])` in tmp_path; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(["check", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def flagged_files(stdout: str) -> list[str]:
    return sorted({record["filename"] for record in json.loads(stdout)})


# --- configuration per folder ---------------------------------------------------------------------


def test_a_nested_config_applies_to_its_folder_and_the_outer_one_elsewhere(check, write, buggy_program):
    write("pyproject.toml", "[tool.dqn-lint]\nselect = ['DQN004']\n")
    write("sub/dqn-lint.toml", "ignore = ['DQN004']\n")
    write("top.py", buggy_program)
    write("sub/inner.py", buggy_program)
    code, out, _ = check("--output-format", "json")
    assert code == 1
    assert flagged_files(out) == ["top.py"]


def test_a_file_named_directly_uses_the_config_nearest_to_it(check, write, buggy_program):
    write("sub/dqn-lint.toml", "ignore = ['DQN004']\n")
    write("sub/inner.py", buggy_program)
    code, out, _ = check("sub/inner.py", "--output-format", "json")
    assert (code, json.loads(out)) == (0, [])


def test_nested_per_file_ignores_are_relative_to_their_own_config(check, write, buggy_program):
    write("sub/dqn-lint.toml", "[per-file-ignores]\n'legacy/*.py' = ['DQN004']\n")
    write("sub/legacy/old.py", buggy_program)
    write("legacy/old.py", buggy_program)
    code, out, _ = check("--output-format", "json")
    assert flagged_files(out) == [os.path.join("legacy", "old.py")]


def test_isolated_ignores_every_config_file(check, write, buggy_program):
    write("dqn-lint.toml", "ignore = ['DQN004']\n")
    write("train.py", buggy_program)
    assert check("--output-format", "json")[0] == 0
    code, out, _ = check("--isolated", "--output-format", "json")
    assert code == 1 and flagged_files(out) == ["train.py"]


def test_an_invalid_nested_config_is_a_one_line_error(check, write, buggy_program):
    write("sub/dqn-lint.toml", "selekt = ['DQN004']\n")
    write("sub/inner.py", buggy_program)
    code, out, err = check()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown key 'selekt'" in err and "did you mean 'select'" in err


def test_extend_select_on_the_command_line_adds_to_the_config_selection(check, write, buggy_program):
    write("dqn-lint.toml", "select = ['DQN001']\n")
    write("train.py", buggy_program)
    assert check("--output-format", "json")[0] == 0
    code, out, _ = check("--extend-select", "DQN004", "--output-format", "json")
    assert code == 1 and flagged_files(out) == ["train.py"]


# --- .gitignore and --force-exclude -------------------------------------------------------------


def test_gitignored_files_and_folders_are_skipped_inside_a_git_repository(check, write, buggy_program):
    (write("README", "x").parent / ".git" / "info").mkdir(parents=True)
    write(".gitignore", "generated/\n*_scratch.py\n")
    write(".git/info/exclude", "private.py\n")
    write("generated/model.py", buggy_program)
    write("try_scratch.py", buggy_program)
    write("private.py", buggy_program)
    write("train.py", buggy_program)
    code, out, _ = check("--output-format", "json")
    assert flagged_files(out) == ["train.py"]


def test_a_deeper_gitignore_can_re_include_what_a_shallower_one_ignores(check, write, buggy_program):
    (write("README", "x").parent / ".git").mkdir()
    write(".gitignore", "*_scratch.py\n")
    write("keep/.gitignore", "!kept_scratch.py\n")
    write("keep/kept_scratch.py", buggy_program)
    write("other_scratch.py", buggy_program)
    code, out, _ = check("--output-format", "json")
    assert flagged_files(out) == [os.path.join("keep", "kept_scratch.py")]


def test_a_gitignore_outside_a_git_repository_means_nothing(check, write, buggy_program):
    write(".gitignore", "*.py\n")
    write("train.py", buggy_program)
    code, out, _ = check("--output-format", "json")
    assert flagged_files(out) == ["train.py"]


def test_respect_gitignore_false_lints_ignored_files(check, write, buggy_program):
    (write("README", "x").parent / ".git").mkdir()
    write(".gitignore", "train.py\n")
    write("dqn-lint.toml", "respect-gitignore = false\n")
    write("train.py", buggy_program)
    assert flagged_files(check("--output-format", "json")[1]) == ["train.py"]


def test_a_file_named_directly_is_linted_even_when_excluded_unless_force_exclude(check, write, buggy_program):
    write("dqn-lint.toml", "extend-exclude = ['legacy/']\n")
    write("legacy/old.py", buggy_program)
    assert check("legacy/old.py", "--output-format", "json")[0] == 1
    code, out, err = check("legacy/old.py", "--force-exclude", "--output-format", "json")
    assert (code, json.loads(out), err) == (0, [], "")


def test_force_exclude_can_be_set_in_the_config(check, write, buggy_program):
    write("dqn-lint.toml", "extend-exclude = ['legacy/']\nforce-exclude = true\n")
    write("legacy/old.py", buggy_program)
    assert check("legacy/old.py")[0] == 0
    assert check("legacy/old.py", "--no-force-exclude")[0] == 1


# --- stdin -----------------------------------------------------------------------------------------


def run_stdin(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dqn_lint", "check", *args],
        input=source, capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_stdin_is_linted_and_named_by_stdin_filename(tmp_path, buggy_program, buggy_row):
    result = run_stdin(tmp_path, buggy_program, "-", "--stdin-filename", "agent/train.py", "--output-format", "concise")
    assert result.returncode == 1
    assert result.stdout.startswith(f"{os.path.join('agent', 'train.py')}:{buggy_row}:")


def test_the_full_report_of_stdin_shows_the_lines_read_from_stdin(tmp_path, buggy_program, buggy_row):
    """The lines come from stdin, not from a file of that name: none exists here."""
    result = run_stdin(tmp_path, buggy_program, "-", "--stdin-filename", "agent/train.py")
    line = buggy_program.splitlines()[buggy_row - 1]
    assert result.returncode == 1
    assert f"{buggy_row} | {line}" in result.stdout.splitlines()


def test_stdin_without_a_name_is_shown_as_a_dash(tmp_path, buggy_program):
    result = run_stdin(tmp_path, buggy_program, "-", "--output-format", "json")
    assert [record["filename"] for record in json.loads(result.stdout)] == ["-"]


def test_stdin_filename_alone_reads_stdin_and_matches_per_file_ignores(tmp_path, buggy_program):
    (tmp_path / "dqn-lint.toml").write_text("[per-file-ignores]\n'legacy/*' = ['DQN004']\n")
    assert run_stdin(tmp_path, buggy_program, "--stdin-filename", "legacy/old.py").returncode == 0
    assert run_stdin(tmp_path, buggy_program, "--stdin-filename", "new.py").returncode == 1


def test_stdin_with_force_exclude_and_an_excluded_name_reports_nothing(tmp_path, buggy_program):
    (tmp_path / "dqn-lint.toml").write_text("extend-exclude = ['legacy/']\n")
    result = run_stdin(tmp_path, buggy_program, "-", "--stdin-filename", "legacy/old.py", "--force-exclude")
    assert (result.returncode, result.stdout) == (0, "")


def test_fixing_stdin_prints_the_fixed_source_and_the_remaining_findings_on_stderr(tmp_path):
    twin = (ROOT / "fixtures" / "twins" / "dqn002_td_target_requires_grad.py").read_text()
    result = run_stdin(tmp_path, twin, "-", "--fix", "--stdin-filename", "twin.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout != twin
    again = run_stdin(tmp_path, result.stdout, "-", "--output-format", "json")
    assert (again.returncode, json.loads(again.stdout)) == (0, [])


def test_stdin_cannot_be_combined_with_paths(tmp_path, buggy_program):
    result = run_stdin(tmp_path, buggy_program, "-", "other.py")
    assert result.returncode == 2 and result.stderr.startswith("dqn-lint: error: ")


# --- the output file -------------------------------------------------------------------------------


def test_output_file_receives_the_report_and_stdout_stays_empty(check, write, tmp_path, buggy_program):
    write("train.py", buggy_program)
    code, out, _ = check("--output-format", "json", "--output-file", "report/findings.json".replace("/", os.sep))
    assert code == 2  # the folder does not exist: a one-line error, not a traceback
    (tmp_path / "report").mkdir()
    code, out, _ = check("--output-format", "json", "-o", str(Path("report") / "findings.json"))
    assert (code, out) == (1, "")
    assert flagged_files((tmp_path / "report" / "findings.json").read_text()) == ["train.py"]


# --- the result cache ------------------------------------------------------------------------------


@pytest.fixture
def count_parses(monkeypatch):
    """How many times libcst parsed a module in this process."""
    import libcst

    calls = []
    real = libcst.parse_module

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    return calls


def test_a_second_run_over_an_unchanged_tree_parses_nothing(check, write, tmp_path, buggy_program, count_parses, _own_result_cache):
    write("a.py", buggy_program)
    write("b.py", buggy_program.replace("gamma=0.99", "gamma=0.9"))
    first = check("--jobs", "1", "--output-format", "json")
    parsed_first = len(count_parses)
    second = check("--jobs", "1", "--output-format", "json")
    assert parsed_first == 2 and len(count_parses) == parsed_first
    assert first == second and first[0] == 1
    assert (_own_result_cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_editing_a_file_or_the_selection_makes_it_parse_again(check, write, buggy_program, clean_program, count_parses):
    path = write("a.py", buggy_program)
    check("--jobs", "1")
    path.write_text(clean_program)
    assert check("--jobs", "1")[0] == 0 and len(count_parses) == 2
    check("--jobs", "1", "--select", "DQN004")
    assert len(count_parses) == 3


def test_no_cache_neither_reads_nor_writes_the_cache(check, write, buggy_program, count_parses, _own_result_cache):
    write("a.py", buggy_program)
    check("--no-cache")
    check("--no-cache")
    assert len(count_parses) == 2
    assert not any(_own_result_cache.iterdir())


def test_the_linter_fingerprint_follows_libcsts_files(tmp_path, monkeypatch):
    """A libcst upgrade or reinstall (its files' sizes or times change) starts a new cache; an
    unchanged install keeps the old one."""
    import importlib.util

    from dqn_lint.cache import linter_fingerprint

    fake = tmp_path / "libcst"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    version = fake / "_version.py"
    version.write_text('__version__ = "1.9.0"\n')
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        if name == "libcst":
            return _package_spec(fake)
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    first = linter_fingerprint()
    assert linter_fingerprint() == first
    (fake / "__pycache__").mkdir()  # Python writing bytecode is no upgrade
    (fake / "__pycache__" / "_version.cpython-311.pyc").write_bytes(b"")
    assert linter_fingerprint() == first
    version.write_text('__version__ = "1.10.0"\n')
    upgraded = linter_fingerprint()
    assert upgraded != first
    os.utime(version, ns=(1, 1))
    assert linter_fingerprint() not in (first, upgraded)


def test_the_linter_fingerprint_sees_its_own_sources_under_a_folder_named_verify(tmp_path, monkeypatch):
    """An install below a folder called `verify` or `runtime` (a user's project, a CI workspace) still
    fingerprints the analysis code; only the package's own `verify/` and `runtime/` are left out."""
    import types

    import dqn_lint
    from dqn_lint import registry
    from dqn_lint.cache import linter_fingerprint

    package = tmp_path / "verify" / "runtime" / "dqn_lint"
    for relative in ("__init__.py", "model/dataflow.py", "verify/runner.py", "runtime/health.py"):
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text("# code\n")
    rules = tmp_path / "verify" / "rules"
    rules.mkdir()
    (rules / "dqn001.py").write_text("# rule\n")
    monkeypatch.setattr(dqn_lint, "__file__", str(package / "__init__.py"))
    monkeypatch.setattr(registry, "rules_package", lambda: types.SimpleNamespace(__path__=[str(rules)]))

    first = linter_fingerprint()
    (package / "verify" / "runner.py").write_text("# training code, edited\n")
    (package / "runtime" / "health.py").write_text("# training code, edited\n")
    assert linter_fingerprint() == first
    (package / "model" / "dataflow.py").write_text("# the analysis, edited\n")
    second = linter_fingerprint()
    assert second != first
    (rules / "dqn001.py").write_text("# the rule, edited\n")
    assert linter_fingerprint() != second


def _package_spec(folder: Path):
    import importlib.machinery

    spec = importlib.machinery.ModuleSpec(folder.name, None, origin=str(folder / "__init__.py"), is_package=True)
    spec.submodule_search_locations = [str(folder)]
    return spec


def test_a_damaged_cache_file_is_treated_as_empty(check, write, buggy_program, _own_result_cache, count_parses):
    write("a.py", buggy_program)
    expected = check("--output-format", "json")
    for results in _own_result_cache.rglob("results.json"):
        results.write_text('{"not": "a valid entry"')
    assert check("--output-format", "json") == expected


def test_findings_read_from_the_cache_equal_a_fresh_run_for_every_twin(check, tmp_path):
    for twin in TWINS:
        shutil.copy(twin, tmp_path / twin.name)
    cold = check("--no-cache", "--output-format", "json", "--jobs", "1")
    check("--output-format", "json")
    warm = check("--output-format", "json")
    assert cold == warm and cold[0] == 1 and len(flagged_files(cold[1])) == len(TWINS)


def test_clean_removes_the_cache_and_refuses_a_folder_that_is_not_one(check, write, buggy_program, _own_result_cache, capsys, tmp_path):
    write("a.py", buggy_program)
    check()
    assert cli.main(["clean"]) == 0 and not _own_result_cache.exists()
    assert cli.main(["clean"]) == 0
    assert "No cache" in capsys.readouterr().out
    precious = tmp_path / "precious"
    (precious / "data").mkdir(parents=True)
    assert cli.main(["clean", "--cache-dir", str(precious)]) == 2
    assert (precious / "data").exists()


# --- parallel workers ------------------------------------------------------------------------------


def test_parallel_workers_report_exactly_what_one_process_reports(check, tmp_path):
    for copy in range(3):
        for twin in TWINS:
            shutil.copy(twin, tmp_path / f"{copy}_{twin.name}")
    serial = check("--no-cache", "--jobs", "1", "--output-format", "json")
    parallel = check("--no-cache", "--jobs", "2", "--output-format", "json")
    assert serial == parallel
    assert len(flagged_files(serial[1])) == 3 * len(TWINS)


def test_the_workers_are_really_started_for_many_files(check, tmp_path, monkeypatch):
    import multiprocessing.pool

    started = []
    real_init = multiprocessing.pool.Pool.__init__

    def spy(self, processes=None, *args, **kwargs):
        started.append(processes)
        real_init(self, processes, *args, **kwargs)

    monkeypatch.setattr(multiprocessing.pool.Pool, "__init__", spy)
    for twin in TWINS:
        shutil.copy(twin, tmp_path / twin.name)
    check("--no-cache", "--jobs", "2")
    assert started == [2]
    started.clear()
    check("--no-cache", "--jobs", "2", TWINS[0].name)
    assert started == []  # one file: no pool at all


# --- statistics and the CI formats through the command --------------------------------------------


def test_statistics_counts_findings_per_code_instead_of_listing_them(check, tmp_path):
    for twin in TWINS:
        shutil.copy(twin, tmp_path / twin.name)
    code, out, _ = check("--statistics", "--output-format", "json")
    rows = json.loads(out)
    assert code == 1
    assert {row["code"]: row["count"] for row in rows} == {twin.name[:6].upper(): 1 for twin in TWINS}


def test_statistics_in_a_format_without_a_table_is_a_usage_error(check, write, buggy_program):
    write("train.py", buggy_program)
    code, out, err = check("--statistics", "--output-format", "sarif")
    assert (code, out) == (2, "") and err.startswith("dqn-lint: error: --statistics")


def test_fix_only_with_a_machine_format_prints_nothing_but_that_format(check, tmp_path):
    shutil.copy(TWINS[1], tmp_path / "twin.py")
    code, out, _ = check("--fix-only", "--output-format", "github")
    assert (code, out) == (0, "")


@pytest.mark.parametrize("output_format", ["sarif", "github", "junit", "grouped"])
def test_each_ci_format_reports_the_buggy_program_and_exits_1(check, write, buggy_program, output_format):
    write("train.py", buggy_program)
    code, out, _ = check("--output-format", output_format)
    assert code == 1 and "DQN004" in out and "train.py" in out


# --- --add-noqa and DQN100 through the command ------------------------------------------------------


def test_add_noqa_silences_every_finding_and_a_second_run_adds_nothing(check, tmp_path):
    for twin in TWINS:
        shutil.copy(twin, tmp_path / twin.name)
    code, out, _ = check("--add-noqa")
    assert code == 0 and out == f"Added {len(TWINS)} noqa directives.\n"
    assert check("--output-format", "json")[:2] == (0, "[]\n")
    assert check("--add-noqa")[1] == "Added 0 noqa directives.\n"
    code, out, _ = check("--extend-select", "DQN100", "--output-format", "json")
    assert (code, out) == (0, "[]\n")  # every added directive is in use


def test_add_noqa_cannot_be_combined_with_fix(check, write, buggy_program):
    write("train.py", buggy_program)
    code, _, err = check("--add-noqa", "--fix")
    assert code == 2 and "--add-noqa" in err


def test_dqn100_is_off_by_default_and_reports_a_stale_noqa_when_selected(check, write, clean_program):
    lines = clean_program.splitlines()
    lines[7] += "  # noqa: DQN004"
    write("train.py", "\n".join(lines) + "\n")
    assert check("--output-format", "json")[:2] == (0, "[]\n")
    code, out, _ = check("--extend-select", "DQN100", "--output-format", "json")
    assert code == 1 and [(r["code"], r["location"]["row"]) for r in json.loads(out)] == [("DQN100", 8)]
