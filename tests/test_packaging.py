"""What the installed distribution holds: the rules live inside the package, never as `rules`."""

from __future__ import annotations

from importlib import metadata

import pytest


def _installed_files() -> list[str]:
    files = metadata.files("dqn-lint") or []
    return [str(path).replace("\\", "/") for path in files]


def test_rules_are_installed_as_dqn_lint_rules_and_no_top_level_rules_package_lands():
    files = _installed_files()
    if not any(path.startswith("dqn_lint/") for path in files):
        pytest.skip("editable install: the wheel layout is checked on a regular install (as in CI)")
    assert not [path for path in files if path.startswith("rules/")]
    assert "dqn_lint/rules/dqn003_truncation_as_termination.py" in files
    assert "dqn_lint/model/dataflow.py" in files


def test_the_command_line_entry_point_is_installed():
    scripts = {entry.name: entry.value for entry in metadata.entry_points(group="console_scripts")}
    assert scripts.get("dqn-lint") == "dqn_lint.cli:main"
