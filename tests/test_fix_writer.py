"""write_fixed: the fix lands whole or not at all, and never over a file that is not ours to write."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from dqn_lint.fixes import writer
from dqn_lint.fixes.writer import WriteError, write_fixed

ORIGINAL = b"import torch\ny = r + gamma * q_next\n"
FIXED = b"import torch\ny = r + gamma * q_next * (1 - done)\n"

def _source(tmp_path: Path, content: bytes = ORIGINAL, mode: int | None = None) -> Path:
    path = tmp_path / "train.py"
    path.write_bytes(content)
    if mode is not None:
        path.chmod(mode)
    return path


def _leftover_temp_files(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".dqn-lint.tmp"))


def _assert_untouched(path: Path, content: bytes = ORIGINAL) -> None:
    assert path.read_bytes() == content
    assert _leftover_temp_files(path.parent) == []


def test_content_is_replaced(tmp_path: Path) -> None:
    path = _source(tmp_path)
    write_fixed(path, ORIGINAL, FIXED)
    assert path.read_bytes() == FIXED
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["train.py"]


def test_accepts_a_string_path(tmp_path: Path) -> None:
    path = _source(tmp_path)
    write_fixed(str(path), ORIGINAL, FIXED)
    assert path.read_bytes() == FIXED


@pytest.mark.parametrize("mode", [0o640, 0o755, 0o600])
def test_permission_bits_are_kept(tmp_path: Path, mode: int) -> None:
    path = _source(tmp_path, mode=mode)
    write_fixed(path, ORIGINAL, FIXED)
    assert path.read_bytes() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_writes_a_new_file_instead_of_rewriting_in_place(tmp_path: Path) -> None:
    # A hard link shares the inode: had the file been truncated and rewritten, it would show FIXED.
    path = _source(tmp_path)
    other_name = tmp_path / "other_name.py"
    os.link(path, other_name)
    write_fixed(path, ORIGINAL, FIXED)
    assert path.read_bytes() == FIXED
    assert other_name.read_bytes() == ORIGINAL


def test_symlink_stays_a_symlink_and_its_target_gets_the_fix(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = _source(real_dir, mode=0o644)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_fixed(link, ORIGINAL, FIXED)
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_bytes() == FIXED
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert _leftover_temp_files(tmp_path) == [] and _leftover_temp_files(real_dir) == []


def test_read_only_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = _source(tmp_path, mode=0o444)
    with pytest.raises(WriteError, match="read-only"):
        write_fixed(path, ORIGINAL, FIXED)
    _assert_untouched(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_file_we_may_not_write_is_refused_even_where_replace_would_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs as root too: os.access is what decides, not whether os.replace happens to succeed.
    path = _source(tmp_path)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(WriteError) as raised:
        write_fixed(path, ORIGINAL, FIXED)
    assert str(raised.value) == "the file is read-only; it was not changed"
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["train.py"]
    _assert_untouched(path)


def test_file_deleted_before_write_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    path = _source(tmp_path)
    path.unlink()
    with pytest.raises(WriteError, match="vanished during the run"):
        write_fixed(path, ORIGINAL, FIXED)
    assert list(tmp_path.iterdir()) == []


def test_dangling_symlink_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    link = tmp_path / "link.py"
    link.symlink_to(tmp_path / "gone.py")
    with pytest.raises(WriteError, match="vanished"):
        write_fixed(link, ORIGINAL, FIXED)
    assert [entry.name for entry in tmp_path.iterdir()] == ["link.py"]
    assert not (tmp_path / "gone.py").exists()


def test_file_changed_on_disk_is_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = ORIGINAL + b"# the user's own edit\n"
    path = _source(tmp_path, content=edited)
    temp_files_made: list[dict[str, object]] = []
    real_mkstemp = writer.tempfile.mkstemp

    def recording_mkstemp(**kwargs: object) -> tuple[int, str]:
        temp_files_made.append(kwargs)
        return real_mkstemp(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.tempfile, "mkstemp", recording_mkstemp)
    with pytest.raises(WriteError, match="changed on disk during the run"):
        write_fixed(path, ORIGINAL, FIXED)
    assert temp_files_made == []  # refused before any temporary file was made
    _assert_untouched(path, edited)


def test_file_changed_while_the_fix_was_being_written_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)
    edited = ORIGINAL + b"# saved by an editor meanwhile\n"
    real_fsync = os.fsync

    def fsync_then_user_saves(fd: int) -> None:
        real_fsync(fd)
        path.write_bytes(edited)

    monkeypatch.setattr(os, "fsync", fsync_then_user_saves)
    with pytest.raises(WriteError, match="changed on disk"):
        write_fixed(path, ORIGINAL, FIXED)
    _assert_untouched(path, edited)


def test_directory_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.mkdir()
    with pytest.raises(WriteError, match="no longer a regular file"):
        write_fixed(path, ORIGINAL, FIXED)
    assert path.is_dir() and list(path.iterdir()) == []
    assert _leftover_temp_files(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "SIGALRM"), reason="needs named pipes")
def test_fifo_in_place_of_the_file_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    os.mkfifo(path)

    class Hung(Exception):
        """Not an OSError, so the writer cannot mistake it for a failed open."""

    def hung(signum: int, frame: object) -> None:
        raise Hung("write_fixed blocked opening a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        with pytest.raises(WriteError, match="no longer a regular file"):
            write_fixed(path, ORIGINAL, FIXED)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert stat.S_ISFIFO(path.lstat().st_mode)
    assert _leftover_temp_files(tmp_path) == []


def test_failing_replace_leaves_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WriteError) as raised:
        write_fixed(path, ORIGINAL, FIXED)
    message = str(raised.value)
    assert "No space left on device" in message and "\n" not in message
    assert "Traceback" not in message
    _assert_untouched(path)


def test_failing_fsync_leaves_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(WriteError, match="Input/output error"):
        write_fixed(path, ORIGINAL, FIXED)
    _assert_untouched(path)


def test_write_failing_after_a_partial_write_leaves_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)
    real_write = os.write
    calls: list[int] = []

    def partial_then_full_disk(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:5]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", partial_then_full_disk)
    with pytest.raises(WriteError, match="No space left on device"):
        write_fixed(path, ORIGINAL, FIXED)
    assert len(calls) == 2
    _assert_untouched(path)


def test_short_writes_are_continued_until_everything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))
    write_fixed(path, ORIGINAL, FIXED)
    assert path.read_bytes() == FIXED


def test_unexpected_exception_becomes_a_write_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)

    def broken_write(fd: int, data: bytes) -> int:
        raise ValueError("something odd")

    monkeypatch.setattr(os, "write", broken_write)
    with pytest.raises(WriteError, match="ValueError"):
        write_fixed(path, ORIGINAL, FIXED)
    _assert_untouched(path)


def test_keyboard_interrupt_during_replace_leaves_the_original_and_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)

    def interrupted_replace(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        write_fixed(path, ORIGINAL, FIXED)
    _assert_untouched(path)


def test_directory_fsync_failure_after_the_replace_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)
    real_fsync = os.fsync

    def fsync_failing_on_directories(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_failing_on_directories)
    write_fixed(path, ORIGINAL, FIXED)
    assert path.read_bytes() == FIXED


def test_temp_file_sits_beside_the_file_with_a_recognisable_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _source(tmp_path)
    seen: list[tuple[str, str]] = []
    real_replace = os.replace

    def recording_replace(src: str, dst: str) -> None:
        seen.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    write_fixed(path, ORIGINAL, FIXED)
    [(src, dst)] = seen
    assert os.path.dirname(src) == str(tmp_path)
    assert os.path.basename(src).startswith(".train.py.") and src.endswith(".dqn-lint.tmp")
    assert dst == os.path.realpath(path)


def test_write_error_messages_are_one_line() -> None:
    assert writer._reason(OSError(13, "Permission\ndenied")) == "Permission denied"
    assert writer._reason(RuntimeError("boom")) == "RuntimeError"
