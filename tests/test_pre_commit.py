"""The pre-commit hooks, run by the real `pre-commit` tool on a throw-away git repository.

The hooks repository is a snapshot of this checkout's files (tracked and new, as git lists them)
committed to a temporary repository, named by `repo:` and `rev:` in a `.pre-commit-config.yaml`
exactly as a user would name ours. pre-commit installs it into its own virtualenv once per test run
(from PyPI: libcst, rich, pathspec), so this module takes a minute the first time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TWINS = ROOT / "fixtures" / "twins"

pytest.importorskip("pre_commit")
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "dqn-lint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "dqn-lint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> tuple[Path, str]:
    """A committed snapshot of this checkout: (path, commit)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the hooks repository is made from git's file list")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    snapshot = tmp_path_factory.mktemp("hooks-repo")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path, hooks_repo) -> Path:
    """A user's repository whose .pre-commit-config.yaml names both hooks of this checkout."""
    repo, rev = hooks_repo
    git(tmp_path, "init", "-q")
    (tmp_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: dqn-lint\n      - id: dqn-lint-fix\n"
    )
    return tmp_path


def run_hook(project: Path, home: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    for name in files:
        git(project, "add", name)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    env.pop("DQN_LINT_CACHE_DIR", None)  # the hook's own cache folder, inside the project
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--files", *files],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def test_the_check_hook_fails_on_a_bug_and_passes_on_the_fixed_program(project, pre_commit_home):
    shutil.copy(TWINS / "dqn004_missing_terminal_mask.py", project / "train.py")
    failed = run_hook(project, pre_commit_home, "dqn-lint", "train.py")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "DQN004" in failed.stdout

    shutil.copy(ROOT / "fixtures" / "reference_dqn.py", project / "train.py")
    passed = run_hook(project, pre_commit_home, "dqn-lint", "train.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_the_fix_hook_rewrites_the_file_and_the_check_hook_then_passes(project, pre_commit_home):
    buggy = (TWINS / "dqn002_td_target_requires_grad.py").read_text()
    (project / "agent.py").write_text(buggy)
    fixed = run_hook(project, pre_commit_home, "dqn-lint-fix", "agent.py")
    assert fixed.returncode == 1  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in fixed.stdout
    assert (project / "agent.py").read_text() != buggy
    again = run_hook(project, pre_commit_home, "dqn-lint", "agent.py")
    assert again.returncode == 0, again.stdout


def test_a_file_the_config_excludes_passes_although_pre_commit_names_it(project, pre_commit_home):
    (project / "dqn-lint.toml").write_text("extend-exclude = ['legacy/']\n")
    (project / "legacy").mkdir()
    shutil.copy(TWINS / "dqn004_missing_terminal_mask.py", project / "legacy" / "old.py")
    result = run_hook(project, pre_commit_home, "dqn-lint", "dqn-lint.toml", "legacy/old.py")
    assert result.returncode == 0, result.stdout + result.stderr
