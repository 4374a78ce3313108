"""Writing a fixed file without ever damaging it.

A fix is only worth applying if a failure half-way (full disk, Ctrl-C, a crash) cannot cost the
user their source. So the new bytes go to a temporary file in the same folder, are flushed to
disk, and only then renamed over the original in one atomic step: the file on disk is always
either the old text or the new one, never a truncated mix. The file is re-read just before that
step so that edits made by the user (or their editor) while we were linting are never overwritten.
"""

from __future__ import annotations

import os
import stat
import tempfile

_TEMP_SUFFIX = ".dqn-lint.tmp"


class WriteError(Exception):
    """A fix was not written; `str()` is a one-line reason to show the user as is."""


def write_fixed(path: str | os.PathLike[str], original: bytes, fixed: bytes) -> None:
    """Replace the file at `path`, whose bytes were `original` when read, with `fixed`.

    Raises WriteError, leaving the file byte-for-byte as it was and no temporary file behind,
    when the file cannot or should not be written.
    """
    # Write through a symlink to its target, so the link itself stays a link.
    real = os.path.realpath(path)
    current = _current_state(real)
    if not _writable(real) or not current[1].st_mode & 0o222:
        # No write bit at all is read-only even for root, who may write anything: do not touch it.
        # os.replace would succeed over a read-only file on POSIX; read-only means "do not touch".
        raise WriteError("the file is read-only; it was not changed")
    if current[0] != original:
        raise WriteError("the file changed on disk during the run; it was not overwritten")

    directory, name = os.path.split(real)
    tmp: str | None = None
    replaced = False
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + name + ".", suffix=_TEMP_SUFFIX)
        try:
            _copy_metadata(fd, tmp, current[1])
            _write_all(fd, fixed)
            os.fsync(fd)
        finally:
            os.close(fd)
        # Check again right before the rename: fsync can be slow and an editor may have saved meanwhile.
        if _current_state(real)[0] != original:
            raise WriteError("the file changed on disk during the run; it was not overwritten")
        os.replace(tmp, real)
        replaced = True
    except WriteError:
        raise
    except Exception as error:
        raise WriteError(f"the fix could not be written ({_reason(error)}); the file was not changed") from error
    finally:
        # Also runs for KeyboardInterrupt, which then propagates unchanged.
        if tmp is not None and not replaced:
            _remove_quietly(tmp)
    _fsync_directory(directory)


def _current_state(real: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and status now, refusing anything that is no longer a regular file."""
    try:
        # O_NONBLOCK: a FIFO swapped in for the file must not hang the run on open.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(real, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise WriteError("the file vanished during the run; the fix was not written") from None
    except OSError as error:
        if os.path.lexists(real) and not stat.S_ISREG(os.lstat(real).st_mode):
            raise WriteError("the file is no longer a regular file; it was not changed") from None
        raise WriteError(f"the file could not be re-read ({_reason(error)}); it was not changed") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise WriteError("the file is no longer a regular file; it was not changed")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(), status
    except OSError as error:
        raise WriteError(f"the file could not be re-read ({_reason(error)}); it was not changed") from None
    finally:
        # Everything was read: an error closing a descriptor we only read from loses nothing.
        _close_quietly(fd)


def _writable(real: str) -> bool:
    """Whether we may write the file, judged as the effective user (who would do the writing)."""
    if os.access in os.supports_effective_ids:
        return os.access(real, os.W_OK, effective_ids=True)
    return os.access(real, os.W_OK)


def _copy_metadata(fd: int, tmp: str, status: os.stat_result) -> None:
    """Give the new file the old one's permissions (and, as root, its owner): a fix must not change them."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        try:
            os.fchown(fd, status.st_uid, status.st_gid)
        except OSError:
            pass
    # After chown, which may clear set-user-ID bits.
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(status.st_mode))
    else:  # pragma: no cover - Windows before Python 3.13
        os.chmod(tmp, stat.S_IMODE(status.st_mode))


def _write_all(fd: int, data: bytes) -> None:
    """os.write may write only part of the buffer; keep going until all of it is written."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(0, "no bytes could be written")
        view = view[written:]


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable where the platform allows; the fix is already in place."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        _close_quietly(fd)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _remove_quietly(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or type(error).__name__
    return " ".join(str(text).split())
