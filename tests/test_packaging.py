"""What the installed distribution holds: the rules live inside the package, never as `rules`."""

from __future__ import annotations

from importlib import metadata

import pytest


def _installed_wheel_files() -> list[str] | None:
    """The RECORD of an installed wheel, or None for an editable install or source-tree metadata."""
    for dist in metadata.distributions(name="dqn-lint"):
        if not str(getattr(dist, "_path", "")).endswith(".dist-info"):
            continue  # a dqn_lint.egg-info of a source tree lists sources, not installed files
        files = [str(path).replace("\\", "/") for path in dist.files or []]
        if any(path.startswith("dqn_lint/") for path in files):
            return files
    return None


def test_rules_are_installed_as_dqn_lint_rules_and_no_top_level_rules_package_lands():
    files = _installed_wheel_files()
    if files is None:
        pytest.skip("editable install: the wheel layout is checked on a regular install (as in CI)")
    assert not [path for path in files if path.startswith("rules/")]
    assert "dqn_lint/rules/dqn003_truncation_as_termination.py" in files
    assert "dqn_lint/model/dataflow.py" in files


def test_the_verifier_can_import_the_fixture_programs_it_trains():
    files = _installed_wheel_files()
    if files is None:
        pytest.skip("editable install: the wheel layout is checked on a regular install (as in CI)")
    assert not [path for path in files if path.startswith("fixtures/")]
    assert "dqn_lint/fixtures/reference_dqn.py" in files
    assert "dqn_lint/fixtures/twins/dqn004_missing_terminal_mask.py" in files


def test_the_command_line_entry_point_is_installed():
    scripts = {entry.name: entry.value for entry in metadata.entry_points(group="console_scripts")}
    assert scripts.get("dqn-lint") == "dqn_lint.cli:run"
