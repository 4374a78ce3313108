"""`dqn-lint check`, `--fix`, `--diff` and `--add-noqa` on hostile input: never a traceback, never a
signal, never a hang, never a byte changed that no fix asked for.

Every input gets one clear finding naming the file (DQN900 parse error, DQN901 unreadable, DQN903
too large or too deep), or none when it is valid Python, and the run goes on with the other files.
Exit codes stay 0 (clean), 1 (findings), 2 (usage error). A hostile file reaches the parser only when
it passes the byte prefilter, so each one is tried twice: with `PREFIX` (it is parsed) and without
(the prefilter skips it, quietly).

Inputs that could crash the interpreter (deep nesting: libcst's parser recurses on the C stack) and
inputs that could block (a FIFO) run in a subprocess; the rest run `main()` in-process.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import MISSING_TERMINAL_MASK, WITH_TERMINAL_MASK

from dqn_lint import cli

REPOSITORY = Path(__file__).resolve().parent.parent
FIXABLE_TWIN = REPOSITORY / "fixtures" / "twins" / "dqn002_td_target_requires_grad.py"  # a safe fix
REFERENCE = REPOSITORY / "fixtures" / "reference_dqn.py"
# Small programs keep the many runs below fast: DQN004 (an unsafe fix only) and DQN002 (a safe fix).
BUGGY = MISSING_TERMINAL_MASK.encode()
FIXABLE = WITH_TERMINAL_MASK.replace("    with torch.no_grad():\n", "    if True:\n").encode()

PREFIX = b"import torch\ngamma = 0.99\n"
FILE_CODES = frozenset({"DQN900", "DQN901", "DQN902", "DQN903"})
FINDING_LINE = re.compile(r"^(?P<file>.+?):(?P<row>\d+):(?P<column>\d+): (?P<code>DQN\d+) (?P<message>.*)$")
MEGABYTE = 2**20


# --- running the command -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    seconds: float = 0.0


def assert_no_crash(outcome: Outcome) -> None:
    """An exit code of ours (a negative one is a signal: a segfault), and no traceback anywhere."""
    assert outcome.code in (0, 1, 2), outcome
    assert "Traceback" not in outcome.err and "Traceback" not in outcome.out, outcome.err[-2000:]
    assert "internal error" not in outcome.err, outcome.err


def concise_findings(text: str) -> list[tuple[str, str, str]]:
    """(file, code, message) of each `path:row:col: CODE message` line."""
    found = []
    for line in text.splitlines():
        match = FINDING_LINE.match(line)
        if match:
            found.append((match["file"], match["code"], match["message"]))
    return found


@pytest.fixture
def dqn_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """`main(args)` in-process, in tmp_path."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Outcome:
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


def run_subprocess(*args: str, cwd: Path, timeout: float = 60, wrapper: tuple[str, ...] = ()) -> Outcome:
    """`python -m dqn_lint ARGS` in its own process (a segfault or a hang cannot take pytest down)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    started = time.monotonic()
    try:
        result = subprocess.run(
            [*wrapper, sys.executable, "-m", "dqn_lint", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`dqn-lint {' '.join(args)}` still ran after {timeout} s: it blocked or is far too slow")
    return Outcome(result.returncode, result.stdout, result.stderr, time.monotonic() - started)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- hostile bytes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """A file body, the one finding it gets once it passes the prefilter (None: it is valid and
    clean), the line ending of the prefix put in front of it, and that prefix."""

    body: bytes
    code: str | None
    newline: bytes = b"\n"
    prefix: bytes = PREFIX

    def checked(self) -> bytes:
        """The body with the prefix after its BOM or coding cookie line, so the parser sees it."""
        prefix = self.prefix.replace(b"\n", self.newline)
        head, rest = b"", self.body
        if rest.startswith(b"\xef\xbb\xbf"):
            head, rest = rest[:3], rest[3:]
        first_line_end = rest.find(b"\n") + 1
        if first_line_end and b"coding" in rest[:first_line_end]:
            head, rest = head + rest[:first_line_end], rest[first_line_end:]
        return head + prefix + rest

    def skipped(self) -> bytes:
        return self.body


HOSTILE: dict[str, Hostile] = {
    "syntax-error": Hostile(b"def f(:\n    pass\n", "DQN900"),
    "unbalanced-bracket": Hostile(b"x = (1,\n", "DQN900"),
    "unterminated-string": Hostile(b"x = 'abc\n", "DQN900"),
    "unterminated-triple-quoted-string": Hostile(b'x = """abc\n', "DQN900"),
    "backslash-at-end-of-file": Hostile(b"x = 1 \\", "DQN900"),
    "python2-print-statement": Hostile(b'print "x"\n', "DQN900"),
    "python2-exec-statement": Hostile(b'exec "x = 1"\n', "DQN900"),
    "python2-backticks": Hostile(b"y = `x`\n", "DQN900"),
    # Valid again since Python 3.14 (PEP 758: `except A, B:` catches either), which libcst parses.
    "python2-except-comma": Hostile(b"try:\n    pass\nexcept Exception, e:\n    pass\n", None),
    "python2-long-and-octal-literals": Hostile(b"x = 10L + 0777\n", "DQN900"),
    "empty": Hostile(b"", None),
    "only-whitespace": Hostile(b"   \n\n\t\n", None),
    "only-comments": Hostile(b"# a comment\n# another\n", None, prefix=b"# import torch\n# gamma = 0.99\n"),
    "no-final-newline": Hostile(b"x = 1", None),
    "nul-bytes": Hostile(b"x = 1\x00\ny = 2\n", "DQN900"),
    # libcst accepts a NUL inside a string literal (CPython does not); the file is checked.
    "nul-byte-inside-a-string": Hostile(b"x = 'a\x00b'\n", None),
    "nul-escape-inside-a-string": Hostile(b"x = '\\x00'\n", None),
    "control-character": Hostile(b"x = 1\x1b[31m\n", "DQN900"),
    "invalid-utf8": Hostile(b"x = '\xff\xfe'\n", "DQN901"),
    "utf8-encoded-surrogate": Hostile(b"x = '\xed\xa0\x80'\n", "DQN901"),
    "lone-surrogate-escape": Hostile(b"x = '\\ud800'\n", None),
    "utf8-bom": Hostile(b"\xef\xbb\xbfx = 1\n", None),
    "utf8-bom-with-latin1-cookie": Hostile(b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", "DQN901"),
    "latin1-cookie-and-bytes": Hostile(b"# -*- coding: latin-1 -*-\nx = '\xe9t\xe9'\n", None),
    "bogus-coding-cookie": Hostile(b"# -*- coding: no-such-codec -*-\nx = 1\n", "DQN901"),
    "non-ascii-identifier": Hostile("γ = 0.99\nq_é = γ\n".encode(), None),
    "crlf": Hostile(b"x = 1\r\ny = 2\r\n", None, newline=b"\r\n"),
    "cr-only": Hostile(b"x = 1\ry = 2\r", None, newline=b"\r"),
    "mixed-line-endings": Hostile(b"x = 1\r\ny = 2\rz = 3\n", None),
    "tabs": Hostile(b"if True:\n\tx = 1\n", None),
    "mixed-tabs-and-spaces": Hostile(b"if True:\n\tx = 1\n        y = 2\n", "DQN900"),
    "form-feeds": Hostile(b"x = 1\n\x0c\ny = 2\n\x0cz = 3\n", None),
    "one-megabyte-string-line": Hostile(b"x = '" + b"a" * MEGABYTE + b"'\n", None),
    "one-megabyte-comment-line": Hostile(b"x = 1  # " + b"a" * MEGABYTE + b"\n", None),
}
HOSTILE_IDS = list(HOSTILE)


def test_no_hostile_body_mentions_torch_so_the_prefilter_skips_it():
    assert not any(b"torch" in case.body for case in HOSTILE.values())


@pytest.mark.parametrize("name", HOSTILE_IDS)
def test_hostile_file_that_passes_the_prefilter_gets_one_clear_finding_or_none(name, dqn_lint, tmp_path):
    case = HOSTILE[name]
    (tmp_path / f"{name}.py").write_bytes(case.checked())

    outcome = dqn_lint("check", "--output-format", "concise", f"{name}.py")

    assert_no_crash(outcome)
    findings = concise_findings(outcome.out)
    if case.code is None:
        assert (outcome.code, findings) == (0, []), outcome
    else:
        assert outcome.code == 1, outcome
        assert [(file, code) for file, code, _ in findings] == [(f"{name}.py", case.code)], outcome
        assert "not checked" in findings[0][2] or "cannot" in findings[0][2]


@pytest.mark.parametrize("name", HOSTILE_IDS)
def test_hostile_file_that_the_prefilter_skips_passes_quietly(name, dqn_lint, tmp_path):
    (tmp_path / f"{name}.py").write_bytes(HOSTILE[name].skipped())

    outcome = dqn_lint("check", "--output-format", "concise", f"{name}.py")

    assert_no_crash(outcome)
    assert (outcome.code, outcome.out, outcome.err) == (0, "All checks passed!\n", "")


@pytest.mark.parametrize("mode", ["--fix", "--diff", "--add-noqa"])
@pytest.mark.parametrize("variant", ["checked", "skipped"])
@pytest.mark.parametrize("name", HOSTILE_IDS)
def test_fix_diff_and_add_noqa_change_no_byte_of_a_hostile_file(name, variant, mode, dqn_lint, tmp_path):
    case = HOSTILE[name]
    original = case.checked() if variant == "checked" else case.skipped()
    path = tmp_path / f"{name}.py"
    path.write_bytes(original)
    has_finding = variant == "checked" and case.code is not None

    outcome = dqn_lint("check", mode, f"{name}.py")

    assert_no_crash(outcome)
    assert path.read_bytes() == original
    if mode == "--fix":
        assert outcome.code == (1 if has_finding else 0), outcome
        assert (f"{name}.py:" in outcome.out) == has_finding, outcome
    elif mode == "--diff":  # nothing would change; a file that was not checked is named on stderr
        assert (outcome.code, outcome.out) == (0, ""), outcome
        assert (f"{name}.py:" in outcome.err) == has_finding, outcome
        if has_finding:
            assert f"warning: {name}.py:" in outcome.err and case.code in outcome.err
    else:  # a file problem is not a line to silence: nothing added, nothing written
        assert (outcome.code, outcome.out) == (0, "Added 0 noqa directives.\n"), outcome


@pytest.mark.parametrize(
    "newline_name, newline", [("lf", b"\n"), ("crlf", b"\r\n"), ("cr", b"\r")], ids=["lf", "crlf", "cr"]
)
def test_fix_keeps_the_line_endings_bom_form_feeds_and_tabs_of_the_file(newline_name, newline, dqn_lint, tmp_path):
    tail = b"\x0c" + newline + b"if True:" + newline + b"\tpass" + newline
    original = b"\xef\xbb\xbf" + FIXABLE.replace(b"\n", newline) + tail
    path = tmp_path / f"fixable_{newline_name}.py"
    path.write_bytes(original)

    assert dqn_lint("check", "--output-format", "concise", path.name).code == 1
    outcome = dqn_lint("check", "--fix", "--output-format", "concise", path.name)

    assert_no_crash(outcome)
    assert outcome.code == 0, outcome
    fixed = path.read_bytes()
    assert fixed != original
    assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\xef\xbb\xbf") == 1
    assert fixed.endswith(tail)
    other_endings = {b"\n", b"\r\n", b"\r"} - {newline}
    assert not any(ending in fixed.replace(newline, b"<EOL>") for ending in other_endings)
    assert dqn_lint("check", "--output-format", "concise", path.name).code == 0


# --- deep nesting (a segfault of libcst's native parser before the engine ran it on a big stack) ---

DEEP: dict[str, str] = {
    "plus-chain-8000": "x = " + " + ".join(["a"] * 8000),
    "attribute-chain-8000": "x = a" + ".b" * 8000,
    "subscript-chain-8000": "x = a" + "[0]" * 8000,
    "call-chain-8000": "x = f" + "()" * 8000,
    "power-chain-8000": "x = " + " ** ".join(["a"] * 8000),
    "not-chain-8000": "x = " + "not " * 8000 + "a",
    "unary-minus-8000": "x = " + "-" * 8000 + "a",
    "lambda-chain-3000": "x = " + "lambda: " * 3000 + "1",
    "conditional-chain-3000": "x = " + "1 if a else " * 3000 + "1",
    "parentheses-1000": "x = " + "(" * 1000 + "1" + ")" * 1000,
    "nested-calls-1000": "x = " + "f(" * 1000 + "1" + ")" * 1000,
    "nested-lists-1000": "x = " + "[" * 1000 + "]" * 1000,
    "indentation-150": "".join("    " * level + "if a:\n" for level in range(150)) + "    " * 150 + "pass",
    "implicit-string-concatenation-8000": "x = " + " ".join(["'a'"] * 8000),
    "td-target-8000": "y = r + gamma * (" + " + ".join(["q"] * 8000) + ")",
}
DEEP_IDS = list(DEEP)


def _write_deep(folder: Path, name: str) -> tuple[Path, Path]:
    """The deep file with the prefix (parsed) and without it (skipped by the prefilter)."""
    folder.mkdir(parents=True, exist_ok=True)
    checked = folder / f"{name}.py"
    checked.write_bytes(PREFIX + DEEP[name].encode() + b"\n")
    skipped = folder / f"{name}_skipped.py"
    skipped.write_bytes(DEEP[name].encode() + b"\n")
    return checked, skipped


@pytest.mark.parametrize("name", DEEP_IDS)
def test_deeply_nested_file_is_one_finding_in_a_process_that_survives(name, tmp_path):
    _write_deep(tmp_path, name)

    outcome = run_subprocess("check", "--output-format", "concise", ".", cwd=tmp_path)

    assert outcome.code >= 0, f"killed by signal {-outcome.code}: {outcome.err[-500:]}"
    assert_no_crash(outcome)
    findings = concise_findings(outcome.out)
    assert outcome.code == 1, outcome
    assert len(findings) == 1 and findings[0][0] == f"{name}.py", outcome
    assert findings[0][1] in FILE_CODES and "not checked" in findings[0][2], outcome
    assert outcome.seconds < 30


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_fix_and_diff_on_deeply_nested_files_report_each_once_and_change_nothing(mode, tmp_path):
    paths = [path for name in DEEP_IDS for path in _write_deep(tmp_path, name)]
    before = {path: digest(path) for path in paths}

    outcome = run_subprocess("check", mode, "--output-format", "concise", ".", cwd=tmp_path)

    assert outcome.code >= 0, f"killed by signal {-outcome.code}"
    assert_no_crash(outcome)
    assert {path: digest(path) for path in paths} == before
    reported = outcome.out if mode == "--fix" else outcome.err
    files = sorted(file for file, _, _ in concise_findings(reported.replace("dqn-lint: warning: ", "")))
    assert files == sorted(f"{name}.py" for name in DEEP_IDS), outcome
    assert outcome.code == (1 if mode == "--fix" else 0)


# --- very large files --------------------------------------------------------------------------


def _write_large(path: Path, size: int, prefix: bytes = b"") -> None:
    line = b"value = [1, 2, 3]  # filler line of a generated file\n"
    path.write_bytes(prefix + line * (size // len(line) + 1))


def test_a_50_mb_file_without_torch_is_skipped_by_the_prefilter_quickly(tmp_path):
    path = tmp_path / "generated.py"
    _write_large(path, 50 * MEGABYTE)
    before = digest(path)

    for mode in ((), ("--fix",), ("--diff",)):
        outcome = run_subprocess("check", *mode, "generated.py", cwd=tmp_path)
        assert_no_crash(outcome)
        assert outcome.code == 0, outcome
        assert outcome.seconds < 20, (mode, outcome.seconds)
    assert digest(path) == before


def test_a_10_mb_torch_file_is_one_too_large_finding_not_minutes_of_parsing(tmp_path):
    path = tmp_path / "generated.py"
    _write_large(path, 10 * MEGABYTE, PREFIX)
    before = digest(path)

    check = run_subprocess("check", "generated.py", cwd=tmp_path, timeout=120)
    concise = run_subprocess("check", "--output-format", "concise", "generated.py", cwd=tmp_path, timeout=120)
    fix = run_subprocess("check", "--fix", "--output-format", "concise", "generated.py", cwd=tmp_path, timeout=120)
    diff = run_subprocess("check", "--diff", "generated.py", cwd=tmp_path, timeout=120)

    for outcome in (check, concise, fix, diff):
        assert outcome.code >= 0, f"killed by signal {-outcome.code}"
        assert_no_crash(outcome)
        assert outcome.seconds < 30, outcome.seconds
    assert digest(path) == before
    assert (check.code, concise.code, fix.code, diff.code) == (1, 1, 1, 0)
    for outcome in (concise, fix):
        [(file, code, message)] = concise_findings(outcome.out)
        assert (file, code) == ("generated.py", "DQN903") and "not checked" in message
    assert "generated.py" in check.out and "DQN903" in check.out
    assert "warning: generated.py:1:1: DQN903" in diff.err


# --- paths: symlinks, folders named *.py, missing paths, FIFOs ---------------------------------

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
needs_fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def _write_buggy(folder: Path, name: str = "twin.py", content: bytes = BUGGY) -> Path:
    """A program with one finding (DQN004 on line 8 by default), so a run that goes on shows it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


@needs_symlinks
def test_symlink_loop_is_walked_once_and_run_goes_on(dqn_lint, tmp_path):
    _write_buggy(tmp_path / "pkg" / "sub")
    os.symlink("..", tmp_path / "pkg" / "sub" / "up", target_is_directory=True)
    os.symlink(".", tmp_path / "pkg" / "here", target_is_directory=True)
    os.symlink("sub", tmp_path / "pkg" / "loop.py", target_is_directory=True)  # a folder link named like a file

    outcome = dqn_lint("check", "--output-format", "concise", "pkg")

    assert_no_crash(outcome)
    assert outcome.code == 1
    assert [(file, code) for file, code, _ in concise_findings(outcome.out)] == [("pkg/sub/twin.py", "DQN004")]


@needs_symlinks
@pytest.mark.parametrize("named", [True, False], ids=["named", "walked"])
@pytest.mark.parametrize(
    "link_name, target, reason",
    [("self.py", "self.py", "Too many levels of symbolic links"), ("dangling.py", "gone.py", "No such file or directory")],
    ids=["symlink-to-itself", "dangling-symlink"],
)
def test_symlink_that_leads_nowhere_is_one_unreadable_finding_and_run_goes_on(
    link_name, target, reason, named, dqn_lint, tmp_path
):
    _write_buggy(tmp_path / "pkg")
    os.symlink(target, tmp_path / "pkg" / link_name)
    paths = ["pkg"] if not named else ["pkg/twin.py", f"pkg/{link_name}"]

    for mode in ("--output-format=concise", "--fix", "--diff"):
        outcome = dqn_lint("check", mode, *paths)
        assert_no_crash(outcome)
        assert f"pkg/{link_name}:1:1: DQN901 cannot read the file: {reason}" in outcome.out + outcome.err
        assert outcome.code == (0 if mode == "--diff" else 1)
    outcome = dqn_lint("check", "--output-format", "concise", *paths)
    assert [(file, code) for file, code, _ in concise_findings(outcome.out)] == [
        (f"pkg/{link_name}", "DQN901"),
        ("pkg/twin.py", "DQN004"),
    ]
    assert os.readlink(tmp_path / "pkg" / link_name) == target


@needs_symlinks
def test_two_dangling_symlinks_to_one_target_are_two_findings(dqn_lint, tmp_path):
    (tmp_path / "pkg").mkdir()
    os.symlink("gone.py", tmp_path / "pkg" / "a.py")
    os.symlink("gone.py", tmp_path / "pkg" / "b.py")

    outcome = dqn_lint("check", "--output-format", "concise", "pkg")

    assert [file for file, _, _ in concise_findings(outcome.out)] == ["pkg/a.py", "pkg/b.py"]


@pytest.mark.parametrize("named", [True, False], ids=["named", "walked"])
def test_folder_named_like_a_python_file_is_walked_not_read(named, dqn_lint, tmp_path):
    _write_buggy(tmp_path / "pkg.py")
    (tmp_path / "pkg.py" / "clean.py").write_bytes(PREFIX)

    for mode in ("--output-format=concise", "--fix", "--diff", "--add-noqa"):
        outcome = dqn_lint("check", mode, "pkg.py" if named else ".")
        assert_no_crash(outcome)
        assert "DQN901" not in outcome.out + outcome.err
        if mode == "--output-format=concise":
            assert outcome.code == 1
            assert [(file, code) for file, code, _ in concise_findings(outcome.out)] == [("pkg.py/twin.py", "DQN004")]


def test_missing_path_is_one_finding_and_the_run_goes_on(dqn_lint, tmp_path):
    _write_buggy(tmp_path)
    check = dqn_lint("check", "--output-format", "concise", "twin.py", "no_such_file.py")
    assert_no_crash(check)
    assert check.code == 1
    assert [(file, code) for file, code, _ in concise_findings(check.out)] == [("no_such_file.py", "DQN901"), ("twin.py", "DQN004")]
    # --diff has nothing to show (DQN004's fix is unsafe): exit 0, the missing file named on stderr.
    for mode, code in ((("--fix",), 1), (("--diff",), 0), (("--add-noqa",), 2)):
        outcome = dqn_lint("check", *mode, "twin.py", "no_such_file.py")
        assert_no_crash(outcome)
        assert outcome.code == code, mode
        assert "no_such_file.py" in outcome.out + outcome.err


def test_a_path_below_a_file_is_missing_not_a_crash(dqn_lint, tmp_path):
    _write_buggy(tmp_path)
    outcome = dqn_lint("check", "--output-format", "concise", "twin.py/inner.py")
    assert outcome.code == 1
    assert outcome.out.startswith("twin.py/inner.py:1:1: DQN901 cannot read the file: Not a directory")


@needs_fifos
@pytest.mark.parametrize("named", [True, False], ids=["named", "walked"])
@pytest.mark.parametrize("mode", ["check", "--fix", "--diff", "--add-noqa"])
def test_fifo_named_like_a_python_file_is_reported_without_blocking(mode, named, tmp_path):
    _write_buggy(tmp_path / "pkg")
    os.mkfifo(tmp_path / "pkg" / "pipe.py")
    args = ["check"] if mode == "check" else ["check", mode]
    paths = ["pkg"] if not named else ["pkg/pipe.py", "pkg/twin.py"]

    outcome = run_subprocess(*args, *paths, cwd=tmp_path, timeout=10)  # the default (full) format

    assert_no_crash(outcome)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pkg" / "pipe.py").st_mode)
    if mode == "--add-noqa":
        assert outcome.code == 2 and "pkg/pipe.py: cannot read the file: not a regular file" in outcome.err
    else:
        assert "pkg/pipe.py:1:1: DQN901" in outcome.out + outcome.err, outcome
        assert outcome.code == (0 if mode == "--diff" else 1)


# --- unreadable files and folders --------------------------------------------------------------


def _refuses_reads(wrapper: tuple[str, ...], folder: Path) -> bool:
    """Whether a process started through `wrapper` is refused a folder of mode 000."""
    closed = folder / "closed"
    closed.mkdir()
    closed.chmod(0)
    try:
        probe = subprocess.run([*wrapper, sys.executable, "-c", f"import os; os.listdir({str(closed)!r})"], capture_output=True)
    except OSError:
        return False
    finally:
        closed.chmod(0o700)
    return probe.returncode != 0


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    """How to run the command so that permission bits stop its reads: as is for a normal user; for
    root (which reads anything), through setpriv without the capabilities that bypass them."""
    candidates: list[tuple[str, ...]] = [()]
    setpriv = shutil.which("setpriv")
    if setpriv is not None:
        drop = "-dac_override,-dac_read_search"
        candidates.append((setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}"))
    for wrapper in candidates:
        if _refuses_reads(wrapper, tmp_path_factory.mktemp("probe")):
            return wrapper
    pytest.skip("permission bits do not stop reads here (root without setpriv)")


@pytest.fixture
def locked(tmp_path: Path):
    """`lock(path)` makes a file or folder unreadable (mode 000) until the end of the test."""
    changed: list[Path] = []

    def lock(path: Path) -> Path:
        path.chmod(0)
        changed.append(path)
        return path

    yield lock
    for path in reversed(changed):
        path.chmod(0o700 if path.is_dir() else 0o600)


def test_unreadable_file_is_one_finding_and_run_goes_on(unprivileged, locked, tmp_path):
    _write_buggy(tmp_path / "pkg")
    secret = tmp_path / "pkg" / "secret.py"
    secret.write_bytes(PREFIX)
    locked(secret)

    for paths in (["pkg"], ["pkg/secret.py", "pkg/twin.py"]):
        check = run_subprocess("check", "--output-format", "concise", *paths, cwd=tmp_path, wrapper=unprivileged)
        fix = run_subprocess("check", "--fix", *paths, cwd=tmp_path, wrapper=unprivileged)
        diff = run_subprocess("check", "--diff", *paths, cwd=tmp_path, wrapper=unprivileged)
        for outcome in (check, fix, diff):
            assert_no_crash(outcome)
            assert "pkg/secret.py:1:1: DQN901 cannot read the file: Permission denied" in outcome.out + outcome.err
        assert (check.code, fix.code, diff.code) == (1, 1, 0)
        assert [file for file, _, _ in concise_findings(check.out)] == ["pkg/secret.py", "pkg/twin.py"]


def test_file_in_an_unsearchable_folder_is_unreadable_not_missing(unprivileged, locked, tmp_path):
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "train.py").write_bytes(PREFIX)
    locked(tmp_path / "vault")

    outcome = run_subprocess("check", "--output-format", "concise", "vault/train.py", cwd=tmp_path, wrapper=unprivileged)

    assert_no_crash(outcome)
    assert outcome.code == 1
    assert concise_findings(outcome.out) == [("vault/train.py", "DQN901", "cannot read the file: Permission denied")]


@pytest.mark.parametrize(
    "options, expected_code, where, shows",
    [
        (("--output-format", "concise"), 1, "out", "pkg/closed:1:1: DQN901 cannot read the folder"),
        (("--output-format", "json"), 1, "out", '"filename": "pkg/closed"'),
        (("--output-format", "sarif"), 1, "out", '"uri": "pkg/closed"'),
        (("--output-format", "github"), 1, "out", "file=pkg/closed,"),
        (("--statistics",), 1, "out", "DQN901"),
        (("--exit-zero", "--output-format", "concise"), 0, "out", "pkg/closed:1:1: DQN901"),
        (("--fix", "--output-format", "concise"), 1, "out", "pkg/closed:1:1: DQN901"),
        (("--diff",), 0, "err", "warning: pkg/closed:1:1: DQN901 cannot read the folder"),
        (("--fix-only",), 0, "err", "warning: pkg/closed:1:1: DQN901 cannot read the folder"),
        (("--add-noqa",), 2, "err", "error: pkg/closed: cannot read the folder: Permission denied"),
    ],
    ids=["concise", "json", "sarif", "github", "statistics", "exit-zero", "fix", "diff", "fix-only", "add-noqa"],
)
def test_unreadable_folder_is_a_finding_and_run_goes_on(
    unprivileged, locked, tmp_path, options, expected_code, where, shows
):
    _write_buggy(tmp_path / "pkg" / "open")
    (tmp_path / "pkg" / "closed").mkdir()
    (tmp_path / "pkg" / "closed" / "hidden.py").write_bytes(PREFIX)
    locked(tmp_path / "pkg" / "closed")

    outcome = run_subprocess("check", *options, "pkg", cwd=tmp_path, wrapper=unprivileged)

    assert_no_crash(outcome)
    assert outcome.code == expected_code, outcome
    assert shows in (outcome.out if where == "out" else outcome.err), outcome
    assert "hidden.py" not in outcome.out + outcome.err
    if options[-1] == "concise":  # the run went on: the twin in the readable folder is reported
        assert [(file, code) for file, code, _ in concise_findings(outcome.out)] == [
            ("pkg/closed", "DQN901"),
            ("pkg/open/twin.py", "DQN004"),
        ]


def test_unreadable_folder_named_directly_is_a_finding(unprivileged, locked, tmp_path):
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "hidden.py").write_bytes(PREFIX)
    locked(tmp_path / "closed")

    outcome = run_subprocess("check", "--output-format", "concise", "closed", cwd=tmp_path, wrapper=unprivileged)

    assert_no_crash(outcome)
    assert outcome.code == 1
    assert [(file, code) for file, code, _ in concise_findings(outcome.out)] == [("closed", "DQN901")]
    assert "no Python files found" not in outcome.err


def test_a_folder_that_cannot_be_listed_is_a_finding_whoever_runs_the_check(dqn_lint, tmp_path, monkeypatch):
    """The same as above without permission bits: listing the folder fails (as for any user)."""
    _write_buggy(tmp_path / "pkg" / "open")
    (tmp_path / "pkg" / "closed").mkdir()
    (tmp_path / "pkg" / "closed" / "hidden.py").write_bytes(PREFIX)
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.path.normpath(os.fspath(path))) == "closed":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    check = dqn_lint("check", "--output-format", "concise", "pkg")
    json_report = dqn_lint("check", "--output-format", "json", "pkg")
    add_noqa = dqn_lint("check", "--add-noqa", "pkg")

    assert check.code == 1 and check.err == ""
    assert [(file, code) for file, code, _ in concise_findings(check.out)] == [
        ("pkg/closed", "DQN901"),
        ("pkg/open/twin.py", "DQN004"),
    ]
    assert json_report.code == 1 and '"filename": "pkg/closed"' in json_report.out
    assert add_noqa.code == 2
    assert "dqn-lint: error: pkg/closed: cannot read the folder: Permission denied" in add_noqa.err


# --- everything at once ------------------------------------------------------------------------


def _hostile_folder(folder: Path) -> dict[str, str | None]:
    """Every hostile input in one folder next to a fixable twin; the expected code of each file."""
    expected: dict[str, str | None] = {}
    for name, case in HOSTILE.items():
        (folder / f"{name}.py").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.py").write_bytes(case.checked())
        (folder / f"{name}_skipped.py").write_bytes(case.skipped())
        expected[f"{name}.py"] = case.code
        expected[f"{name}_skipped.py"] = None
    for name in ("plus-chain-8000", "attribute-chain-8000", "parentheses-1000"):
        _write_deep(folder, name)
        expected[f"{name}.py"] = "too-deep"
        expected[f"{name}_skipped.py"] = None
    _write_buggy(folder / "pkg.py", "clean.py", REFERENCE.read_bytes())
    expected["pkg.py/clean.py"] = None
    if hasattr(os, "symlink"):
        os.symlink("self.py", folder / "self.py")
        os.symlink("gone.py", folder / "dangling.py")
        os.symlink(".", folder / "loop", target_is_directory=True)
        expected["self.py"] = expected["dangling.py"] = "DQN901"
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.py")
        expected["pipe.py"] = "DQN901"
    _write_buggy(folder, "twin.py", FIXABLE_TWIN.read_bytes())
    expected["twin.py"] = "DQN002"
    return expected


def _assert_reported(findings: list[tuple[str, str, str]], expected: dict[str, str | None], folder: str) -> None:
    by_file: dict[str, list[str]] = {}
    for file, code, _ in findings:
        by_file.setdefault(os.path.relpath(file, folder), []).append(code)
    wanted = {file: code for file, code in expected.items() if code is not None}
    assert set(by_file) == set(wanted), (set(by_file) ^ set(wanted))
    for file, codes in by_file.items():
        if wanted[file] == "too-deep":
            assert len(codes) == 1 and codes[0] in FILE_CODES, (file, codes)
        else:
            assert codes == [wanted[file]], (file, codes)


def test_a_folder_of_every_hostile_input_still_reports_the_twin(tmp_path):
    expected = _hostile_folder(tmp_path / "mixed")

    outcome = run_subprocess("check", "--output-format", "concise", "mixed", cwd=tmp_path)

    assert outcome.code >= 0, f"killed by signal {-outcome.code}"
    assert_no_crash(outcome)
    assert outcome.code == 1
    _assert_reported(concise_findings(outcome.out), expected, "mixed")


def test_fix_on_a_folder_of_every_hostile_input_fixes_the_twin_and_nothing_else(tmp_path):
    folder = tmp_path / "mixed"
    expected = _hostile_folder(folder)
    regular = [path for path in folder.rglob("*.py") if path.is_file() and not path.is_symlink()]
    before = {path: digest(path) for path in regular}

    outcome = run_subprocess("check", "--fix", "--output-format", "concise", "mixed", cwd=tmp_path)

    assert outcome.code >= 0, f"killed by signal {-outcome.code}"
    assert_no_crash(outcome)
    assert outcome.code == 1  # the files that could not be checked remain
    changed = {path.name for path in regular if digest(path) != before[path]}
    assert changed == {"twin.py"}
    _assert_reported(concise_findings(outcome.out), {**expected, "twin.py": None}, "mixed")
    assert "(1 fixed" in outcome.out
