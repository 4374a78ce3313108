"""Configuration: where it is found, what it may say, and how a mistake in it is reported."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dqn_lint.config import _GLOB_CHARACTERS_TO_VALIDATE, DEFAULT_EXCLUDE, ConfigError, load_settings
from dqn_lint.selection import SelectorLayer

KNOWN_CODES = frozenset({"DQN001", "DQN002", "DQN003", "DQN004", "DQN005", "DQN900", "DQN901", "DQN902", "DQN903"})


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(explicit: str | None = None):
    return load_settings(explicit, KNOWN_CODES)


def config_error(explicit: str | None = None) -> str:
    with pytest.raises(ConfigError) as raised:
        load(explicit)
    message = str(raised.value)
    assert "\n" not in message
    return message


# --- where the configuration comes from ----------------------------------------------------------


def test_without_a_config_file_the_defaults_apply_relative_to_the_current_folder(in_tmp):
    settings = load()
    assert settings.config_path is None
    assert settings.root == in_tmp
    assert settings.selectors == SelectorLayer()
    assert settings.exclude == DEFAULT_EXCLUDE
    assert settings.per_file_ignores == ()


def test_the_tool_table_of_pyproject_is_read(in_tmp, write):
    write("pyproject.toml", '[tool.dqn-lint]\nselect = ["DQN00"]\nignore = ["DQN005"]\nextend-select = ["DQN9"]\n')
    settings = load()
    assert settings.config_path == in_tmp / "pyproject.toml"
    assert settings.selectors == SelectorLayer(select=("DQN00",), extend_select=("DQN9",), ignore=("DQN005",))


def test_the_nearest_config_is_found_walking_up_and_globs_are_relative_to_its_folder(in_tmp, write, monkeypatch):
    write("pyproject.toml", '[tool.dqn-lint]\nignore = ["DQN001"]\n')
    (in_tmp / "src" / "agent").mkdir(parents=True)
    monkeypatch.chdir(in_tmp / "src" / "agent")
    settings = load()
    assert settings.config_path == in_tmp / "pyproject.toml"
    assert settings.root == in_tmp


def test_a_pyproject_without_the_tool_table_is_passed_over(in_tmp, write, monkeypatch):
    write("dqn-lint.toml", 'ignore = ["DQN002"]\n')
    write("sub/pyproject.toml", '[project]\nname = "x"\n[tool.black]\nline-length = 100\n')
    monkeypatch.chdir(in_tmp / "sub")
    assert load().config_path == in_tmp / "dqn-lint.toml"


def test_dqn_lint_toml_wins_over_pyproject_in_the_same_folder(in_tmp, write):
    write("pyproject.toml", '[tool.dqn-lint]\nignore = ["DQN001"]\n')
    write("dqn-lint.toml", 'ignore = ["DQN002"]\n')
    settings = load()
    assert settings.config_path == in_tmp / "dqn-lint.toml"
    assert settings.selectors.ignore == ("DQN002",)


def test_a_nearer_pyproject_wins_over_a_farther_dqn_lint_toml(in_tmp, write, monkeypatch):
    write("dqn-lint.toml", 'ignore = ["DQN002"]\n')
    write("sub/pyproject.toml", '[tool.dqn-lint]\nignore = ["DQN003"]\n')
    monkeypatch.chdir(in_tmp / "sub")
    assert load().selectors.ignore == ("DQN003",)


def test_an_explicit_config_file_is_used_instead_of_the_search(in_tmp, write):
    write("pyproject.toml", '[tool.dqn-lint]\nignore = ["DQN001"]\n')
    write("conf/strict.toml", 'select = ["ALL"]\n')
    settings = load("conf/strict.toml")
    assert settings.config_path == in_tmp / "conf" / "strict.toml"
    assert settings.root == in_tmp / "conf"
    assert settings.selectors.select == ("ALL",)


def test_an_explicit_pyproject_is_read_through_its_tool_table(in_tmp, write):
    write("other/pyproject.toml", '[tool.dqn-lint]\nignore = ["DQN004"]\n')
    assert load("other/pyproject.toml").selectors.ignore == ("DQN004",)


def test_codes_in_the_config_are_read_without_regard_to_case(in_tmp, write):
    write("dqn-lint.toml", 'select = ["dqn00", "all"]\n')
    assert load().selectors.select == ("DQN00", "ALL")


def test_exclude_replaces_the_default_exclusions_and_extend_exclude_adds_to_them(in_tmp, write):
    write("dqn-lint.toml", 'exclude = ["generated/"]\n')
    assert load().all_excludes == ("generated/",)
    write("dqn-lint.toml", 'extend-exclude = ["generated/"]\n')
    assert load().all_excludes == (*DEFAULT_EXCLUDE, "generated/")


def test_per_file_ignores_keep_their_globs_and_codes(in_tmp, write):
    write("dqn-lint.toml", '[per-file-ignores]\n"tests/**" = ["DQN004", "dqn00"]\n"legacy.py" = ["ALL"]\n')
    assert load().per_file_ignores == (("tests/**", ("DQN004", "DQN00")), ("legacy.py", ("ALL",)))


def test_the_default_exclusions_are_ruffs_build_tool_and_package_folders():
    assert {".git", ".venv", "venv", "__pycache__", "build", "dist", "node_modules", ".tox", ".nox", "site-packages"} <= set(
        DEFAULT_EXCLUDE
    )


# --- mistakes in the configuration -------------------------------------------------------------


def test_an_unknown_key_in_pyproject_names_the_file_the_key_and_the_table(in_tmp, write):
    write("pyproject.toml", '[tool.dqn-lint]\nselct = ["DQN001"]\n')
    message = config_error()
    assert message.startswith("pyproject.toml: unknown key 'selct' in [tool.dqn-lint]")
    assert "did you mean 'select'?" in message


def test_an_unknown_key_in_dqn_lint_toml_names_the_file_and_the_key(in_tmp, write):
    write("dqn-lint.toml", 'line-length = 88\n')
    assert config_error() == "dqn-lint.toml: unknown key 'line-length'"


def test_a_config_file_above_the_current_folder_is_named_by_its_full_path(in_tmp, write, monkeypatch):
    write("dqn-lint.toml", 'selct = []\n')
    (in_tmp / "sub").mkdir()
    monkeypatch.chdir(in_tmp / "sub")
    assert config_error().startswith(f"{in_tmp / 'dqn-lint.toml'}: unknown key 'selct'")


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('select = "DQN001"', "select"),
        ("ignore = [1, 2]", "ignore"),
        ("extend-select = {}", "extend-select"),
        ('exclude = "build"', "exclude"),
        ("extend-exclude = [true]", "extend-exclude"),
    ],
)
def test_a_list_key_with_the_wrong_type_is_an_error_naming_the_key(in_tmp, write, content, key):
    write("dqn-lint.toml", content + "\n")
    assert config_error() == f"dqn-lint.toml: '{key}' must be a list of strings"


def test_per_file_ignores_must_be_a_table_of_lists_of_strings(in_tmp, write):
    write("dqn-lint.toml", 'per-file-ignores = ["tests/*"]\n')
    assert "'per-file-ignores' must be a table" in config_error()
    write("dqn-lint.toml", '[per-file-ignores]\n"tests/*" = "DQN004"\n')
    assert config_error() == "dqn-lint.toml: 'per-file-ignores.tests/*' must be a list of strings"


@pytest.mark.parametrize("key", ["select", "ignore", "extend-select"])
def test_an_unknown_code_in_a_selector_list_is_an_error_naming_the_key(in_tmp, write, key):
    write("pyproject.toml", f'[tool.dqn-lint]\n{key} = ["DQN001", "XYZ1"]\n')
    assert config_error() == f"pyproject.toml: unknown rule code or prefix 'XYZ1' in '{key}'"


def test_an_unknown_code_in_per_file_ignores_is_an_error_naming_the_glob(in_tmp, write):
    write("dqn-lint.toml", '[per-file-ignores]\n"tests/*" = ["DQN0099"]\n')
    assert config_error() == "dqn-lint.toml: unknown rule code or prefix 'DQN0099' in 'per-file-ignores.tests/*'"


def test_invalid_toml_is_a_one_line_error_naming_the_file(in_tmp, write):
    write("pyproject.toml", "[tool.dqn-lint\nselect = \n")
    assert config_error().startswith("pyproject.toml: invalid TOML: ")


def test_invalid_toml_in_a_pyproject_without_our_table_is_still_an_error(in_tmp, write):
    write("pyproject.toml", "[project\n")
    assert "invalid TOML" in config_error()


def test_a_tool_entry_that_is_not_a_table_is_an_error(in_tmp, write):
    write("pyproject.toml", '[tool]\ndqn-lint = "strict"\n')
    assert config_error() == "pyproject.toml: [tool.dqn-lint] must be a table"


def test_a_config_file_that_is_not_utf8_is_an_error(in_tmp, write):
    write("dqn-lint.toml", b'select = ["DQN001"] # \xff\n')
    assert config_error() == "dqn-lint.toml: the file is not valid UTF-8"


def test_a_missing_explicit_config_file_is_an_error(in_tmp):
    assert config_error("nowhere.toml") == "config file does not exist: nowhere.toml"


def test_an_invalid_glob_is_an_error_naming_the_key(in_tmp, write):
    write("dqn-lint.toml", 'extend-exclude = ["\\\\"]\n')
    assert config_error().startswith("dqn-lint.toml: invalid glob")


@pytest.mark.parametrize("pattern", ["\\", "build\\", "!", "! ", "\\/tmp"])
def test_each_invalid_glob_kind_is_reported_in_every_glob_key(in_tmp, write, pattern):
    for key in ("exclude", "extend-exclude"):
        write("dqn-lint.toml", f"{key} = [{json.dumps(pattern)}]\n")
        assert config_error() == f"dqn-lint.toml: invalid glob {pattern!r} in '{key}'"
    write("dqn-lint.toml", f"[per-file-ignores]\n{json.dumps(pattern)} = [\"DQN001\"]\n")
    assert config_error() == f"dqn-lint.toml: invalid glob {pattern!r} in 'per-file-ignores'"


def _skipped_by_the_check(pattern: str) -> bool:
    return _GLOB_CHARACTERS_TO_VALIDATE.isdisjoint(pattern)


def test_every_short_glob_the_check_skips_is_one_pathspec_accepts():
    """The config check hands pathspec only patterns with `\\`, `!` or `[` (its import is 10-15 ms
    of a one-file run). Every other pattern of up to four characters must compile."""
    import itertools

    import pathspec

    skipped = 0
    for length in range(5):
        for characters in itertools.product("a/*.?- #]{}\t\\![", repeat=length):
            pattern = "".join(characters)
            if _skipped_by_the_check(pattern):
                pathspec.GitIgnoreSpec.from_lines([pattern])
                skipped += 1
    assert skipped == sum(12**length for length in range(5))


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_glob_the_check_skips_is_one_pathspec_accepts(pattern):
    import pathspec

    if _skipped_by_the_check(pattern):
        pathspec.GitIgnoreSpec.from_lines([pattern])


# --- the command line reads the configuration (real rules: these need DQN004 to exist) ------------


def flagged_files(result) -> list[str]:
    return sorted({item["filename"] for item in json.loads(result.stdout)})


def test_check_reads_ignore_from_pyproject(run_cli, write, buggy_program):
    write("train.py", buggy_program)
    assert run_cli("check", "--output-format", "concise").returncode == 1
    write("pyproject.toml", '[tool.dqn-lint]\nignore = ["DQN004"]\n')
    result = run_cli("check", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reads_select_from_dqn_lint_toml_in_a_parent_folder(run_cli, write, tmp_path, buggy_program):
    write("dqn-lint.toml", 'select = ["DQN001"]\n')
    write("agents/train.py", buggy_program)
    result = run_cli("check", "train.py", "--output-format", "concise", cwd=tmp_path / "agents")
    assert result.returncode == 0, result.stdout + result.stderr


def test_command_line_select_overrides_the_config_ignore(run_cli, write, buggy_program):
    write("train.py", buggy_program)
    write("dqn-lint.toml", 'ignore = ["DQN004"]\n')
    result = run_cli("check", "--select", "DQN004", "--output-format", "concise", "--quiet")
    assert result.returncode == 1
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["DQN004"]


def test_per_file_ignores_apply_to_files_their_glob_matches(run_cli, write, buggy_program):
    write("dqn-lint.toml", '[per-file-ignores]\n"legacy/**/*.py" = ["DQN004"]\n')
    write("legacy/old/train.py", buggy_program)
    write("agents/train.py", buggy_program)
    result = run_cli("check", "--output-format", "json")
    assert flagged_files(result) == ["agents/train.py"]


def test_per_file_ignores_globs_are_relative_to_the_config_folder(run_cli, write, tmp_path, buggy_program):
    write("dqn-lint.toml", '[per-file-ignores]\n"/agents/*.py" = ["DQN00"]\n')
    write("agents/train.py", buggy_program)
    write("other/agents/train.py", buggy_program)
    result = run_cli("check", ".", "--output-format", "json", cwd=tmp_path / "other")
    assert flagged_files(result) == ["agents/train.py"]
    result = run_cli("check", "--output-format", "json", cwd=tmp_path)
    assert flagged_files(result) == ["other/agents/train.py"]


def test_extend_exclude_skips_matching_folders_and_files(run_cli, write, buggy_program):
    write("dqn-lint.toml", 'extend-exclude = ["generated/", "scratch_*.py"]\n')
    write("generated/train.py", buggy_program)
    write("scratch_1.py", buggy_program)
    write("agents/train.py", buggy_program)
    result = run_cli("check", "--output-format", "json")
    assert flagged_files(result) == ["agents/train.py"]


# --- the command line reports configuration mistakes (no rule needed) ----------------------------


def test_check_with_an_unknown_config_key_exits_2_with_one_line(run_cli, write):
    write("pyproject.toml", '[tool.dqn-lint]\nselct = ["DQN001"]\n')
    result = run_cli("check")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("dqn-lint: error: pyproject.toml: unknown key 'selct' in [tool.dqn-lint]")
    assert result.stderr.count("\n") == 1


def test_check_with_invalid_toml_exits_2_with_one_line(run_cli, write):
    write("dqn-lint.toml", "select = [\n")
    result = run_cli("check")
    assert result.returncode == 2
    assert result.stderr.startswith("dqn-lint: error: dqn-lint.toml: invalid TOML:")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_check_with_an_unknown_code_in_the_config_exits_2(run_cli, write):
    write("dqn-lint.toml", 'ignore = ["XYZ1"]\n')
    result = run_cli("check")
    assert result.returncode == 2
    assert result.stderr == "dqn-lint: error: dqn-lint.toml: unknown rule code or prefix 'XYZ1' in 'ignore'\n"


def test_check_with_a_missing_explicit_config_exits_2(run_cli):
    result = run_cli("check", "--config", "missing.toml")
    assert result.returncode == 2
    assert result.stderr == "dqn-lint: error: config file does not exist: missing.toml\n"
