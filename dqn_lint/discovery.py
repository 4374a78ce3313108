"""Which files a check run lints: the paths given, and the Python files found in the folders given.

Folders are walked with `os.scandir` in sorted order, without following symlinked folders (no
loops), skipping hidden folders and anything the `exclude` / `extend-exclude` globs match. A file
named on the command line is always linted, whatever its name or the excludes say.

Globs are matched against a path relative to the folder of the config file. When a folder named on
the command line lies outside that folder, or inside an excluded area (`dqn-lint check .venv/lib/x`,
chosen on purpose), the globs are matched relative to the named folder instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import PathSpec

PYTHON_SUFFIXES = (".py", ".pyi")


class MissingPathError(Exception):
    """A path given on the command line does not exist."""


@dataclass(frozen=True)
class SourceFile:
    """One file to lint: where to read it, how to name it in output, and the path globs see."""

    path: str
    display_name: str
    glob_path: str


def compile_globs(patterns: Iterable[str]) -> PathSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _relative_to(path: str, base: str) -> str | None:
    """`path` relative to `base` (both absolute), or None when it lies outside `base`."""
    try:
        if os.path.commonpath([path, base]) != base:
            return None
    except ValueError:  # different drives on Windows
        return None
    relative = os.path.relpath(path, base)
    return "" if relative == "." else _posix(relative)


def _display_name(root_as_given: str, relative: str) -> str:
    """The path as the user gave it joined with the part found below it: `fixtures/x.py`, not `./fixtures/x.py`."""
    return os.path.normpath(os.path.join(root_as_given, relative))


def _walk(root_as_given: str, glob_root: str, excludes: PathSpec, warnings: list[str]) -> list[SourceFile]:
    """Python files below one folder named on the command line, in sorted depth-first order."""
    root_absolute = os.path.abspath(root_as_given)
    prefix = _relative_to(root_absolute, glob_root)
    if prefix is None or (prefix and excludes.match_file(prefix + "/")):
        prefix = ""  # outside the config folder, or inside an excluded area on purpose

    files: list[SourceFile] = []
    pending = [""]  # folders still to visit, relative to the root as given
    while pending:
        folder = pending.pop()
        location = os.path.join(root_as_given, folder) if folder else root_as_given
        try:
            with os.scandir(location) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            warnings.append(f"cannot read folder {location}: {error.strerror or type(error).__name__}")
            continue
        subfolders = []
        for entry in entries:
            relative = os.path.join(folder, entry.name) if folder else entry.name
            glob_path = _posix(os.path.join(prefix, relative) if prefix else relative)
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
                is_file = not is_folder and entry.is_file()
            except OSError:
                continue
            if is_folder:
                if (
                    not entry.name.startswith(".")
                    and not excludes.match_file(glob_path + "/")
                    and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv, whatever its name
                ):
                    subfolders.append(relative)
            elif is_file and entry.name.endswith(PYTHON_SUFFIXES) and not excludes.match_file(glob_path):
                files.append(SourceFile(entry.path, _display_name(root_as_given, relative), glob_path))
        pending.extend(reversed(subfolders))
    return files


def _named_file(path: str, glob_root: str) -> SourceFile:
    absolute = os.path.abspath(path)
    glob_path = _relative_to(absolute, glob_root) or os.path.basename(absolute)
    return SourceFile(path, os.path.normpath(path), glob_path)


@dataclass(frozen=True)
class Discovery:
    files: tuple[SourceFile, ...]
    warnings: tuple[str, ...] = ()


def discover(paths: Sequence[str], glob_root: Path, exclude_patterns: Sequence[str]) -> Discovery:
    """The files to lint under `paths`, each once, sorted by the name shown to the user.

    Raises MissingPathError for a path that does not exist; an unreadable folder is a warning.
    """
    for path in paths:
        if not os.path.exists(path):
            raise MissingPathError(f"path does not exist: {path}")

    excludes: PathSpec | None = None  # compiled only when a folder is walked
    root = str(glob_root)
    found: dict[str, SourceFile] = {}
    warnings: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            if excludes is None:
                excludes = compile_globs(exclude_patterns)
            candidates = _walk(path, root, excludes, warnings)
        else:
            candidates = [_named_file(path, root)]
        for candidate in candidates:
            found.setdefault(os.path.realpath(candidate.path), candidate)
    files = sorted(found.values(), key=lambda source: source.display_name)
    return Discovery(tuple(files), tuple(warnings))
