"""`--fix` and `--add-noqa` never lose a byte: whatever fails, and whenever the process dies, every
file on disk is exactly its old bytes or exactly its complete new bytes.

How it is checked:
- Every OS-level step of `write_fixed` is recorded in a clean run (see `WRITE_STEPS`), then each
  buggy twin is fixed again with a failure injected at each step in turn: `OSError` (ENOSPC, EIO),
  a short write of half the buffer followed by ENOSPC, `KeyboardInterrupt`, and SIGKILL (in a
  forked child, so that no clean-up code can run). The steps run through a stand-in for the `os`
  and `tempfile` modules of the writer only, so nothing else in the process is disturbed. A
  failure the writer may ignore (fchown, closing a file it only read, making the rename durable
  once it is done) leaves the new file; any other leaves the old one, no temporary file, and exit
  2 with one line naming the file; Ctrl-C exits 130.
- A real `python -m dqn_lint check --fix --unsafe-fixes` over many copies of the twins is killed
  with SIGKILL at several moments of its measured run.
- Each twin in CRLF, CR, BOM, latin-1 and tab-indented variants; one twin with other permission bits,
  through a symlink and a hard link, and read-only.
- A fix whose result would not parse, or not encode, is refused at the command line.

What a SIGKILL can leave behind: a kill between creating the temporary file and renaming it over
the original leaves that temporary file, `.<name>.<random>.dqn-lint.tmp`, beside the file: hidden,
holding a prefix of the new bytes, never renamed over the original (the original is intact).
Discovery never lints it (it does not end in `.py`), a later `--fix` works as usual and leaves it
alone; it is safe to delete. No kill can leave it any other name.

A hard link: the fix is written to a new file renamed over the linked name, so that name gets the
fix and the other names of the old inode keep the old bytes (the link is broken, the file is not
rewritten in place). Fixing every name (a folder holding them all) fixes each one on its own.

Linting is pure and slow (about a second per twin), and these tests fix the same bytes hundreds of
times, so `fast_lint` memoises `fix_source` and `lint_source` by their arguments: the writing is
always real, only the analysis of identical bytes is computed once.
"""

from __future__ import annotations

import dataclasses
import errno
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from dqn_lint import cli, engine, registry
from dqn_lint.diagnostics import allowed_applicabilities
from dqn_lint.config import ConfigResolver
from dqn_lint.discovery import discover
from dqn_lint.fixes import apply as fix_apply
from dqn_lint.fixes import run as fix_run
from dqn_lint.fixes import writer

ROOT = Path(__file__).resolve().parent.parent
TWINS = sorted((ROOT / "fixtures" / "twins").glob("dqn*.py"))
TEMP_SUFFIX = ".dqn-lint.tmp"
BOM = b"\xef\xbb\xbf"
LATIN_1_HEADER = b"# -*- coding: latin-1 -*-\n# caf\xe9: a latin-1 byte in a comment\n"
FILE_MODE = 0o640  # not the umask's default, so a fix that loses the mode shows



def _twins_with_fixes(unsafe: bool) -> list[str]:
    """The twins (by their `dqnNNN` stem) that a fix run changes: the rules' own fixes decide, so a new
    rule's twin joins these tests by itself. A display-only fix (DQN005's, DQN006's) changes nothing."""
    allowed = allowed_applicabilities(unsafe)
    return [
        twin.stem[:6]
        for twin in TWINS
        if fix_apply.fix_source(twin.read_bytes(), twin.name, registry.all_rules(), allowed).fixed_findings
    ]


# What a fix run of each twin does: the options -> the twins they change. Without --unsafe-fixes
# only the DQN002 twin has a fix that applies.
FIX_OPTIONS = {"--fix": _twins_with_fixes(False), "--fix --unsafe-fixes": _twins_with_fixes(True)}
FIX_CASES = [(twin.stem[:6], options) for options, stems in FIX_OPTIONS.items() for twin in TWINS if twin.stem[:6] in stems]
NOQA_CASES = [(twin.stem[:6], "--add-noqa") for twin in TWINS]
# The writer's OS steps, and what a failure at each leaves, do not depend on which fix made the
# new bytes: they are checked on one twin per kind of write (a safe fix, the unsafe fixes of a
# twin whose fix inserts and one whose fix replaces, --add-noqa). What does depend on the fix (its
# edits in CRLF, CR, BOM, latin-1 and tab-indented files) is checked on every twin below.
WRITER_TWINS = ("dqn002", "dqn004", "dqn001")
WRITE_CASES = [
    case for case in FIX_CASES + NOQA_CASES
    if case[1] == "--fix" or case[0] in WRITER_TWINS[1:] or (case[1] == "--add-noqa" and case[0] == "dqn004")
]
CHANGED_TWINS = [twin for twin in TWINS if twin.stem[:6] in FIX_OPTIONS["--fix --unsafe-fixes"]]
# Permission bits, links, read-only files and refused fixes are the writer's: one changed twin.
WRITER_TWIN = [twin for twin in CHANGED_TWINS if twin.stem.startswith("dqn004")]

# The OS-level steps of one write_fixed, in order (fchown only as root): re-read the file (refusing
# a change on disk), make the temporary file, give it the file's owner and mode, write, flush, close,
# re-read the file once more, rename the temporary file over it, flush the folder.
REREAD = ["open", "fstat", "read", "close"]
WRITE_STEPS = [
    *REREAD,
    "mkstemp",
    *(["fchown"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    "fchmod",
    "write",
    "fsync",
    "close-tmp",
    *REREAD,
    "replace",
    "open-dir",
    "fsync-dir",
    "close-dir",
]
# Failures that do not stop the fix: fchown (a non-root owner may be impossible to keep), closing a
# descriptor that was only read from (all of it was read), and, once the file is replaced, making
# the rename durable (best effort: the fix is in place).
TOLERATED = {"fchown", "close", "open-dir", "fsync-dir", "close-dir"}


def _twin(code: str) -> Path:
    [twin] = [path for path in TWINS if path.stem.startswith(code)]
    return twin


# --- memoised analysis ---------------------------------------------------------------------------

_FIXES: dict[tuple, object] = {}
_LINTS: dict[tuple, list] = {}


@pytest.fixture
def fast_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fix_input, real_lint_source = fix_run.fix_input, engine.lint_source

    def fix_input(file, allowed):
        key = (file.source, file.filename, tuple(rule.code for rule in file.rules), frozenset(allowed), file.project)
        if key not in _FIXES:
            _FIXES[key] = real_fix_input(file, allowed)
        outcome = _FIXES[key]
        return dataclasses.replace(outcome, remaining=list(outcome.remaining))

    def lint_source(source, filename, rules, facts=None):
        key = (source, filename, tuple(rule.code for rule in rules))
        if key not in _LINTS:
            _LINTS[key] = real_lint_source(source, filename, rules, facts)
        return list(_LINTS[key])

    monkeypatch.setattr(fix_run, "fix_input", fix_input)
    monkeypatch.setattr(engine, "lint_source", lint_source)


# --- the writer's OS steps, recorded and failed ----------------------------------------------------


class Steps:
    """Stands in for `os` and `tempfile` inside `dqn_lint.fixes.writer`: names each OS-level step
    as it runs and, at step `fail_at`, fails it with `failure` instead."""

    def __init__(self, fail_at: int | None = None, failure: str | None = None) -> None:
        self.fail_at, self.failure = fail_at, failure
        self.names: list[str] = []
        self._tmp_fds: set[int] = set()
        self._dir_fds: set[int] = set()
        self._disk_full = False  # after a short write, the next write finds the disk full

    # the failures

    def _fail(self, name: str, perform: Callable[[], object]) -> object:
        failure = self.failure
        if failure in ("ENOSPC", "EIO"):
            code = errno.ENOSPC if failure == "ENOSPC" else errno.EIO
            if name.startswith("close"):
                perform()  # close(2) releases the descriptor even when it reports an error
            raise OSError(code, os.strerror(code))
        if failure == "interrupt":
            if name.startswith("close"):
                perform()  # Python sees a Ctrl-C between C calls, so after the close
            raise KeyboardInterrupt
        if failure == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError(f"unknown failure {failure!r}")

    def _step(self, name: str, perform: Callable[[], object]) -> object:
        index = len(self.names)
        self.names.append(name)
        if name == "write" and self._disk_full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if index == self.fail_at and self.failure not in ("short-write", "kill-mid-write"):
            return self._fail(name, perform)
        return perform()

    # os

    def open(self, path, flags, *args, **kwargs):
        name = "open-dir" if os.path.isdir(path) else "open"
        fd = self._step(name, lambda: os.open(path, flags, *args, **kwargs))
        if name == "open-dir":
            self._dir_fds.add(fd)
        return fd

    def close(self, fd):
        name = "close-dir" if fd in self._dir_fds else "close-tmp" if fd in self._tmp_fds else "close"
        self._tmp_fds.discard(fd)
        self._dir_fds.discard(fd)
        return self._step(name, lambda: os.close(fd))

    def fsync(self, fd):
        return self._step("fsync-dir" if fd in self._dir_fds else "fsync", lambda: os.fsync(fd))

    def fstat(self, fd):
        return self._step("fstat", lambda: os.fstat(fd))

    def fchown(self, fd, uid, gid):
        return self._step("fchown", lambda: os.fchown(fd, uid, gid))

    def fchmod(self, fd, mode):
        return self._step("fchmod", lambda: os.fchmod(fd, mode))

    def replace(self, src, dst):
        return self._step("replace", lambda: os.replace(src, dst))

    def write(self, fd, data):
        index = len(self.names)
        if index == self.fail_at and self.failure in ("short-write", "kill-mid-write"):
            self.names.append("write")
            half = os.write(fd, bytes(data[: len(data) // 2]))
            if self.failure == "kill-mid-write":
                os.kill(os.getpid(), signal.SIGKILL)
            self._disk_full = True
            return half
        return self._step("write", lambda: os.write(fd, data))

    def fdopen(self, fd, *args, **kwargs):
        handle = os.fdopen(fd, *args, **kwargs)
        steps = self

        class Reading:
            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                handle.close()
                return False

            def read(self, *read_args):
                return steps._step("read", lambda: handle.read(*read_args))

        return Reading()

    def __getattr__(self, name: str):
        return getattr(os, name)  # os.path, os.access, the O_ flags, ...

    # tempfile

    def mkstemp(self, **kwargs):
        fd, path = self._step("mkstemp", lambda: tempfile.mkstemp(**kwargs))
        self._tmp_fds.add(fd)
        return fd, path


def _install(steps: Steps, setattr_: Callable[[object, str, object], None]) -> None:
    setattr_(writer, "os", steps)
    setattr_(writer, "tempfile", SimpleNamespace(mkstemp=steps.mkstemp))


# --- running the command ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def _run(folder: Path, options: str, *paths: str) -> Run:
    """`dqn-lint check OPTIONS PATHS` in-process, from `folder`; its exit code and output."""
    previous = os.getcwd()
    os.chdir(folder)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        code = cli.main(["check", "--isolated", *options.split(), *(paths or ["."])])
        return Run(code, sys.stdout.getvalue(), sys.stderr.getvalue())
    finally:
        sys.stdout, sys.stderr = out, err
        os.chdir(previous)


def _fresh(folder: Path, code: str, content: bytes | None = None, mode: int = FILE_MODE) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    twin = _twin(code)
    path = folder / twin.name
    path.write_bytes(twin.read_bytes() if content is None else content)
    path.chmod(mode)
    return path


def _temp_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(TEMP_SUFFIX))


@dataclasses.dataclass(frozen=True)
class CleanRun:
    original: bytes
    fixed: bytes
    code: int
    steps: list[str]


_CLEAN: dict[tuple[str, str], CleanRun] = {}


def _clean_run(tmp_path: Path, code: str, options: str) -> CleanRun:
    """The twin fixed with nothing failing: the complete new bytes, the exit code and the steps."""
    if (code, options) not in _CLEAN:
        path = _fresh(tmp_path / "clean", code)
        original = path.read_bytes()
        steps = Steps()
        with pytest.MonkeyPatch.context() as patch:
            _install(steps, patch.setattr)
            result = _run(path.parent, options, path.name)
        assert result.code in (0, 1) and result.err == "", result
        fixed = path.read_bytes()
        assert fixed != original
        compile(fixed, path.name, "exec")
        _CLEAN[(code, options)] = CleanRun(original, fixed, result.code, steps.names)
    return _CLEAN[(code, options)]


def _case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}{case[1].replace('--', '-').replace(' ', '')}"


# --- 1. a failure injected at every write step ---------------------------------------------------


@pytest.mark.parametrize("case", WRITE_CASES, ids=_case_id)
def test_the_writer_takes_the_documented_os_steps(tmp_path: Path, fast_lint, case) -> None:
    assert _clean_run(tmp_path, *case).steps == WRITE_STEPS


@pytest.mark.parametrize("failure", ["ENOSPC", "EIO", "short-write", "interrupt"])
@pytest.mark.parametrize("case", WRITE_CASES, ids=_case_id)
def test_a_failure_at_any_write_step_leaves_the_old_or_the_complete_new_file(
    tmp_path: Path, fast_lint, case, failure: str
) -> None:
    code, options = case
    clean = _clean_run(tmp_path, code, options)
    indexes = [k for k, name in enumerate(clean.steps) if failure != "short-write" or name == "write"]
    assert indexes
    replaced_at = clean.steps.index("replace")
    for k in indexes:
        step = f"{failure} at step {k} ({clean.steps[k]})"
        path = _fresh(tmp_path / f"step{k}", code)
        steps = Steps(fail_at=k, failure=failure)
        with pytest.MonkeyPatch.context() as patch:
            _install(steps, patch.setattr)
            result = _run(path.parent, options, path.name)

        assert steps.names[k] == clean.steps[k], step
        new = k > replaced_at or (clean.steps[k] in TOLERATED and failure != "interrupt")
        assert path.read_bytes() == (clean.fixed if new else clean.original), step
        assert sorted(os.listdir(path.parent)) == [path.name], f"{step}: a temporary file was left"
        assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE, step
        assert "Traceback" not in result.err, step
        if failure == "interrupt":
            assert (result.code, result.err) == (cli.EXIT_INTERRUPTED, "dqn-lint: error: interrupted\n"), step
        elif new:
            assert (result.code, result.err) == (clean.code, ""), step
        else:
            reason = os.strerror(errno.EIO if failure == "EIO" else errno.ENOSPC)
            assert result.code == cli.EXIT_ERROR, step
            [line] = result.err.splitlines()
            assert line.startswith(f"dqn-lint: error: {path.name}: the "), f"{step}: {line}"
            assert f"({reason})" in line and line.endswith("was not changed"), f"{step}: {line}"


# --- 2. killed: SIGKILL at every write step, and at random moments of a real run -------------------


def _killed_at(folder: Path, options: str, name: str, k: int, failure: str) -> int:
    """Run the fix in a forked child that SIGKILLs itself at write step `k`; its wait status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            _install(Steps(fail_at=k, failure=failure), lambda target, attr, value: setattr(target, attr, value))
            _run(folder, options, name)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
@pytest.mark.parametrize("case", WRITE_CASES, ids=_case_id)
def test_sigkill_at_any_write_step_leaves_the_old_or_new_file_and_at_most_a_hidden_temp_file(
    tmp_path: Path, fast_lint, case
) -> None:
    code, options = case
    clean = _clean_run(tmp_path, code, options)
    made_at, replaced_at = clean.steps.index("mkstemp"), clean.steps.index("replace")
    kills = [(k, "kill") for k in range(len(clean.steps))] + [(clean.steps.index("write"), "kill-mid-write")]
    for k, failure in kills:
        step = f"{failure} at step {k} ({clean.steps[k]})"
        path = _fresh(tmp_path / f"{failure}{k}", code)
        status = _killed_at(path.parent, options, path.name, k, failure)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, step

        assert path.read_bytes() == (clean.fixed if k > replaced_at else clean.original), step
        assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE, step
        leftovers = _temp_files(path.parent)
        assert sorted(os.listdir(path.parent)) == sorted([path.name, *leftovers]), step
        if made_at < k <= replaced_at:
            [leftover] = leftovers
            assert re.fullmatch(rf"\.{re.escape(path.name)}\.\w+{re.escape(TEMP_SUFFIX)}", leftover), step
            assert clean.fixed.startswith((path.parent / leftover).read_bytes()), step
        else:
            assert leftovers == [], step
        _assert_leftovers_are_harmless(path, options, clean, leftovers)


def _assert_leftovers_are_harmless(path: Path, options: str, clean: CleanRun, leftovers: list[str]) -> None:
    """Discovery skips the temporary files; checking and fixing again work and leave them alone."""
    folder = path.parent
    found = discover([str(folder)], ConfigResolver(frozenset(), None, True)).files
    assert [Path(source.path).name for source in found] == [path.name]
    remains = _run(folder, "", path.name)
    assert remains.code in (0, 1) and TEMP_SUFFIX not in remains.out + remains.err
    again = _run(folder, options)
    assert (again.code, again.err) == (clean.code, "")
    assert path.read_bytes() == clean.fixed
    assert _temp_files(folder) == leftovers


def test_a_real_run_killed_at_any_moment_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    # 1 copy of each twin by default; DQN_LINT_KILL_COPIES=6 gives a 66-file run.
    copies = int(os.environ.get("DQN_LINT_KILL_COPIES", "1"))
    command = [sys.executable, "-m", "dqn_lint", "check", "--fix", "--unsafe-fixes", "--isolated", "."]
    originals = {twin.name: twin.read_bytes() for twin in TWINS}

    def populate(folder: Path) -> dict[str, str]:
        folder.mkdir()
        names = {}
        for copy in range(copies):
            for twin_name, content in originals.items():
                name = f"copy{copy:03d}_{twin_name}"
                (folder / name).write_bytes(content)
                names[name] = twin_name
        return names

    complete = tmp_path / "complete"
    names = populate(complete)
    started = time.monotonic()
    finished = subprocess.run(command, cwd=complete, capture_output=True, timeout=600)
    duration = time.monotonic() - started
    assert finished.returncode == 1 and finished.stderr == b""  # the DQN005 twins keep their finding
    fixed = {}
    for name, twin_name in names.items():
        fixed.setdefault(twin_name, (complete / name).read_bytes())
        assert (complete / name).read_bytes() == fixed[twin_name]

    partly_fixed = 0
    for fraction in (0.15, 0.4, 0.65, 0.9):
        folder = tmp_path / f"killed-at-{fraction}"
        populate(folder)
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        changed = 0
        for name, twin_name in names.items():
            content = (folder / name).read_bytes()
            assert content in (originals[twin_name], fixed[twin_name]), f"{name} killed at {fraction:.0%}"
            changed += content != originals[twin_name]
        leftovers = _temp_files(folder)
        assert sorted(os.listdir(folder)) == sorted([*names, *leftovers])
        for leftover in leftovers:  # a kill between making the temporary file and the rename
            assert re.fullmatch(rf"\.copy\d+_dqn\w+\.py\.\w+{re.escape(TEMP_SUFFIX)}", leftover), leftover
        partly_fixed += 0 < changed < len(names) - copies
    assert partly_fixed, f"no kill landed while files were being fixed (run took {duration:.1f}s)"


# --- 3. what a fix keeps -------------------------------------------------------------------------


def _to_tabs(source: bytes) -> bytes:
    return re.sub(rb"(?m)^((?:    )+)", lambda match: b"\t" * (len(match.group(1)) // 4), source)


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "crlf": lambda source: source.replace(b"\n", b"\r\n"),
    "cr": lambda source: source.replace(b"\n", b"\r"),
    "bom": lambda source: BOM + source,
    "latin-1": lambda source: LATIN_1_HEADER + source,
    "tabs": _to_tabs,
}
NEWLINES = {"crlf": b"\r\n", "cr": b"\r"}


def _expected_fix(code: str, tmp_path: Path) -> tuple[bytes, int]:
    """The twin's bytes after `--fix --unsafe-fixes` and the exit code, as plain UTF-8 with LF."""
    if code not in FIX_OPTIONS["--fix --unsafe-fixes"]:
        return _twin(code).read_bytes(), 1  # display-only advice: the file stays, the finding stays
    clean = _clean_run(tmp_path, code, "--fix --unsafe-fixes")
    return clean.fixed, clean.code


def _assert_newlines(content: bytes, newline: bytes) -> None:
    """Every line ends with `newline`, and no other line ending occurs."""
    lines = content.splitlines(keepends=True)
    assert lines and all(line.endswith(newline) for line in lines)
    assert content.count(b"\r") + content.count(b"\n") == len(lines) * len(newline)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("twin", TWINS, ids=lambda path: path.stem[:6])
def test_a_fix_keeps_encoding_bom_line_endings_and_indentation(tmp_path: Path, fast_lint, twin: Path, variant: str) -> None:
    transform = VARIANTS[variant]
    fixed, exit_code = _expected_fix(twin.stem[:6], tmp_path)
    path = _fresh(tmp_path / variant, twin.stem[:6], transform(twin.read_bytes()))
    compile(path.read_bytes(), path.name, "exec")

    assert _run(path.parent, "--fix --unsafe-fixes", path.name).code == exit_code
    content = path.read_bytes()
    assert content == transform(fixed)  # the same fix, in the file's own bytes
    compile(content, path.name, "exec")
    _assert_newlines(content, NEWLINES.get(variant, b"\n"))
    if variant == "bom":
        assert content.startswith(BOM) and not content.startswith(BOM * 2)
    if variant == "latin-1":
        assert content.startswith(LATIN_1_HEADER) and content.decode("latin-1").encode("latin-1") == content
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE
    assert sorted(os.listdir(path.parent)) == [path.name]

    again = _run(path.parent, "--fix --unsafe-fixes", path.name)
    assert (again.code, again.err, path.read_bytes()) == (exit_code, "", content)


@pytest.mark.parametrize("mode", [0o640, 0o755, 0o600])
@pytest.mark.parametrize("twin", WRITER_TWIN, ids=lambda path: path.stem[:6])
def test_a_fix_keeps_the_permission_bits(tmp_path: Path, fast_lint, twin: Path, mode: int) -> None:
    fixed, exit_code = _expected_fix(twin.stem[:6], tmp_path)
    path = _fresh(tmp_path / "mode", twin.stem[:6], mode=mode)
    assert _run(path.parent, "--fix --unsafe-fixes", path.name).code == exit_code
    assert path.read_bytes() == fixed and stat.S_IMODE(path.stat().st_mode) == mode
    assert _run(path.parent, "--fix --unsafe-fixes", path.name).code == exit_code
    assert path.read_bytes() == fixed and stat.S_IMODE(path.stat().st_mode) == mode




@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_a_fix_keeps_the_owner_group_and_set_group_id_bit(tmp_path: Path, fast_lint) -> None:
    fixed, exit_code = _expected_fix("dqn004", tmp_path)
    path = _fresh(tmp_path / "owned", "dqn004")
    os.chown(path, 4321, 8765)
    path.chmod(0o2750)
    assert _run(path.parent, "--fix --unsafe-fixes", path.name).code == exit_code
    status = path.stat()
    assert path.read_bytes() == fixed
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (4321, 8765, 0o2750)


@pytest.mark.parametrize("twin", WRITER_TWIN, ids=lambda path: path.stem[:6])
def test_a_symlink_stays_a_link_and_its_target_gets_the_fix(tmp_path: Path, fast_lint, twin: Path) -> None:
    fixed, exit_code = _expected_fix(twin.stem[:6], tmp_path)
    target = _fresh(tmp_path / "real", twin.stem[:6])
    link = tmp_path / "linked.py"
    link.symlink_to(target)
    assert _run(tmp_path, "--fix --unsafe-fixes", link.name).code == exit_code
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == fixed and stat.S_IMODE(target.stat().st_mode) == FILE_MODE
    assert _temp_files(tmp_path) == [] and sorted(os.listdir(target.parent)) == [target.name]
    assert _run(tmp_path, "--fix --unsafe-fixes", link.name).code == exit_code
    assert target.read_bytes() == fixed and link.is_symlink()


@pytest.mark.parametrize("twin", WRITER_TWIN, ids=lambda path: path.stem[:6])
def test_a_hard_link_is_broken_the_named_file_gets_the_fix_the_other_name_keeps_its_bytes(
    tmp_path: Path, fast_lint, twin: Path
) -> None:
    fixed, exit_code = _expected_fix(twin.stem[:6], tmp_path)
    path = _fresh(tmp_path / "linked", twin.stem[:6])
    other = path.parent / "other_name.py"
    os.link(path, other)
    assert _run(path.parent, "--fix --unsafe-fixes", path.name).code == exit_code
    assert path.read_bytes() == fixed and other.read_bytes() == twin.read_bytes()
    assert path.stat().st_ino != other.stat().st_ino and path.stat().st_nlink == other.stat().st_nlink == 1
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE

    # Both names fixed in one run: each gets the fix, as a file of its own.
    path.unlink()
    os.link(other, path)
    assert _run(path.parent, "--fix --unsafe-fixes").code == exit_code
    assert path.read_bytes() == other.read_bytes() == fixed
    assert path.stat().st_ino != other.stat().st_ino


@pytest.mark.parametrize("options", ["--fix --unsafe-fixes", "--add-noqa"])
@pytest.mark.parametrize("twin", WRITER_TWIN, ids=lambda path: path.stem[:6])
def test_a_read_only_file_is_refused_untouched_and_exits_2(tmp_path: Path, fast_lint, twin: Path, options: str) -> None:
    path = _fresh(tmp_path / "read-only", twin.stem[:6], mode=0o444)
    result = _run(path.parent, options, path.name)
    assert result.code == 2
    assert result.err == f"dqn-lint: error: {path.name}: the file is read-only; it was not changed\n"
    assert path.read_bytes() == twin.read_bytes() and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(os.listdir(path.parent)) == [path.name]


# --- 4. never a file that does not parse ---------------------------------------------------------


def _breaking_edits(monkeypatch: pytest.MonkeyPatch, damage: Callable[[str], str]) -> None:
    """Every pass of the fix loop applies its edits, then `damage` the result."""
    real_apply_fixes = fix_apply.apply_fixes

    def apply_fixes(text, fixes):
        new_text, applied = real_apply_fixes(text, fixes)
        return damage(new_text), applied

    monkeypatch.setattr(fix_apply, "apply_fixes", apply_fixes)


@pytest.mark.parametrize("twin", WRITER_TWIN, ids=lambda path: path.stem[:6])
def test_a_fix_that_would_not_parse_is_refused_and_the_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, twin: Path
) -> None:
    _breaking_edits(monkeypatch, lambda text: text + "def broken(:\n")
    path = _fresh(tmp_path / "broken", twin.stem[:6])
    result = _run(path.parent, "--fix --unsafe-fixes", path.name)
    assert result.code == 2
    [line] = result.err.splitlines()
    assert line.startswith(f"dqn-lint: error: {path.name}: the fixed source does not parse (")
    assert line.endswith("; the file was left unchanged")
    assert twin.stem[:6].upper() in result.out  # still reported
    assert path.read_bytes() == twin.read_bytes() and sorted(os.listdir(path.parent)) == [path.name]


def test_a_fix_that_cannot_be_encoded_in_the_files_encoding_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _breaking_edits(monkeypatch, lambda text: text + "# γ\n")
    content = LATIN_1_HEADER + _twin("dqn004").read_bytes()
    path = _fresh(tmp_path / "latin-1", "dqn004", content)
    result = _run(path.parent, "--fix --unsafe-fixes", path.name)
    assert result.code == 2
    assert result.err.startswith(f"dqn-lint: error: {path.name}: the fixed source cannot be written as ")
    assert result.err.endswith("; the file was left unchanged\n") and result.err.count("\n") == 1
    assert path.read_bytes() == content


def test_noqa_comments_that_would_not_parse_are_refused_and_the_file_untouched(
    tmp_path: Path, fast_lint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dqn_lint import noqa_writer

    monkeypatch.setattr(noqa_writer, "_line_with_codes", lambda line, directive, codes: "    )\n")
    path = _fresh(tmp_path / "noqa", "dqn004")
    result = _run(path.parent, "--add-noqa", path.name)
    assert result.code == 2
    assert result.err.startswith(f"dqn-lint: error: {path.name}: the file would no longer parse with the noqa comments")
    assert path.read_bytes() == _twin("dqn004").read_bytes() and sorted(os.listdir(path.parent)) == [path.name]
