"""Which files a check run lints: the paths given, and the Python files found in the folders given.

Folders are walked with `os.scandir` in sorted order, without following symlinked folders (no
loops), skipping hidden folders, virtualenvs, what `.gitignore` / `.git/info/exclude` ignore inside
a git repository, and what the `exclude` / `extend-exclude` globs of the folder's settings match. A
path named on the command line is linted whatever its name or the excludes say, unless
`--force-exclude` is given (pre-commit names every staged file, excluded or not).

Whatever is named like a Python file and is not a folder is linted, so a dangling symlink, a symlink
loop or a named pipe called `x.py` is reported as unreadable rather than silently skipped. A folder
that cannot be listed is reported too (`UnreadableFolder`), and the walk goes on with the others.

Globs are matched against a path relative to the folder of the config file that applies. When a
folder named on the command line lies outside that folder, or inside an excluded area
(`dqn-lint check .venv/lib/x`, chosen on purpose), they are matched relative to the named folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import PathSpec

    from dqn_lint.config import ConfigResolver, Settings

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class UnreadableFolder:
    """A folder below a named path that could not be listed: the files in it were not checked."""

    display_name: str
    reason: str


@dataclass(frozen=True)
class SourceFile:
    """One file to lint: where to read it, how to name it in output, the path globs see, and the
    settings that apply to it."""

    path: str
    display_name: str
    glob_path: str
    settings: Settings | None = None


def compile_globs(patterns: Iterable[str]) -> PathSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def relative_to(path: str, base: str) -> str | None:
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


class _Excludes:
    """The compiled `exclude` globs of each settings object, and the path each one matches against."""

    def __init__(self) -> None:
        self._specs: dict[Settings, PathSpec] = {}

    def spec(self, settings: Settings) -> PathSpec:
        spec = self._specs.get(settings)
        if spec is None:
            spec = self._specs[settings] = compile_globs(settings.all_excludes)
        return spec

    def excluded(self, absolute: str, settings: Settings, is_folder: bool, base: str | None = None) -> bool:
        """Whether the globs of `settings` exclude the path, matched relative to `base` (default: the
        config folder) or, for a path outside it, not at all."""
        relative = relative_to(absolute, base if base is not None else str(settings.root))
        if not relative:
            return False
        return self.spec(settings).match_file(relative + "/" if is_folder else relative)


class _GitIgnores:
    """`.gitignore` files and `.git/info/exclude` of the git repository a path lies in, as git reads
    them: a deeper file overrides a shallower one, and the last matching line of a file decides."""

    def __init__(self) -> None:
        self._repo_of: dict[str, str | None] = {}
        self._specs_of: dict[str, tuple[tuple[str, PathSpec], ...]] = {}

    def _repository(self, folder: str) -> str | None:
        if folder in self._repo_of:
            return self._repo_of[folder]
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")):
            found: str | None = folder
        else:
            found = None if parent == folder else self._repository(parent)
        self._repo_of[folder] = found
        return found

    def _read(self, path: str) -> PathSpec | None:
        try:
            with open(path, encoding="utf-8", errors="replace") as file:
                lines = file.read().splitlines()
        except OSError:
            return None
        try:
            return compile_globs(lines)
        except Exception:  # a malformed line makes git skip it; we skip the file rather than fail
            return None

    def _specs(self, folder: str) -> tuple[tuple[str, PathSpec], ...]:
        """The (base folder, spec) pairs that apply inside `folder`, deepest first."""
        if folder in self._specs_of:
            return self._specs_of[folder]
        repository = self._repository(folder)
        if repository is None:
            specs: tuple[tuple[str, PathSpec], ...] = ()
        else:
            own = self._read(os.path.join(folder, ".gitignore"))
            if folder == repository:
                exclude = self._read(os.path.join(folder, ".git", "info", "exclude"))
                inherited = ((folder, exclude),) if exclude is not None else ()
            else:
                inherited = self._specs(os.path.dirname(folder))
            specs = (((folder, own),) if own is not None else ()) + inherited
        self._specs_of[folder] = specs
        return specs

    def ignored(self, absolute: str, is_folder: bool) -> bool:
        for base, spec in self._specs(os.path.dirname(absolute)):
            relative = relative_to(absolute, base)
            if not relative:
                continue
            verdict = spec.check_file(relative + "/" if is_folder else relative).include
            if verdict is not None:
                return verdict
        return False


class _Walker:
    """One discovery run: caches of settings, globs and gitignores shared by every named path."""

    def __init__(self, resolver: ConfigResolver) -> None:
        self.resolver = resolver
        self.excludes = _Excludes()
        self.gitignores = _GitIgnores()
        self.unreadable: list[UnreadableFolder] = []

    def named_file(self, path: str) -> SourceFile:
        absolute = os.path.abspath(path)
        try:
            settings = self.resolver.for_file(absolute)
        except OSError:  # its folder cannot be searched: reading the file fails too, and says so
            settings = self.resolver.current
        glob_path = relative_to(absolute, str(settings.root)) or os.path.basename(absolute)
        return SourceFile(path, os.path.normpath(path), glob_path, settings)

    def force_excluded(self, path: str) -> bool:
        """Whether the excludes of its settings match a path named on the command line."""
        absolute = os.path.abspath(path)
        is_folder = os.path.isdir(path)
        try:
            settings = self.resolver.for_folder(os.path.dirname(absolute))
        except OSError:  # an unsearchable folder: linting the path reports it
            return False
        return self.excludes.excluded(absolute, settings, is_folder)

    def walk(self, root_as_given: str) -> list[SourceFile]:
        """Python files below one folder named on the command line, in sorted depth-first order."""
        root_absolute = os.path.abspath(root_as_given)
        try:
            root_settings = self.resolver.for_folder(root_absolute)
        except OSError as error:  # its config file cannot even be looked for
            self._unreadable(root_as_given, "", error)
            return []
        # Inside an excluded area on purpose (or outside the config folder): globs see paths from here.
        outside = relative_to(root_absolute, str(root_settings.root)) is None
        on_purpose = outside or self.excludes.excluded(root_absolute, root_settings, True)

        files: list[SourceFile] = []
        pending = [""]  # folders still to visit, relative to the root as given
        while pending:
            folder = pending.pop()
            location = os.path.join(root_as_given, folder) if folder else root_as_given
            folder_absolute = os.path.join(root_absolute, folder) if folder else root_absolute
            try:
                with os.scandir(location) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
                settings = self.resolver.for_folder(os.path.normpath(folder_absolute))
            except OSError as error:
                self._unreadable(root_as_given, folder, error)
                continue
            base = root_absolute if on_purpose and settings is root_settings else None
            subfolders = []
            for entry in entries:
                relative = os.path.join(folder, entry.name) if folder else entry.name
                absolute = os.path.join(folder_absolute, entry.name)
                try:
                    is_folder = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_folder:
                    if self._skips_folder(entry, absolute, settings, base):
                        continue
                    subfolders.append(relative)
                elif entry.name.endswith(PYTHON_SUFFIXES) and not _links_to_folder(entry):
                    if self.excludes.excluded(absolute, settings, False, base):
                        continue
                    if settings.respect_gitignore and self.gitignores.ignored(absolute, False):
                        continue
                    glob_base = base if base is not None else str(settings.root)
                    glob_path = relative_to(absolute, glob_base) or entry.name
                    files.append(SourceFile(entry.path, _display_name(root_as_given, relative), glob_path, settings))
            pending.extend(reversed(subfolders))
        return files

    def _unreadable(self, root_as_given: str, folder: str, error: OSError) -> None:
        reason = error.strerror or type(error).__name__
        self.unreadable.append(UnreadableFolder(_display_name(root_as_given, folder), reason))

    def _skips_folder(self, entry: os.DirEntry, absolute: str, settings: Settings, base: str | None) -> bool:
        return (
            entry.name.startswith(".")
            or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv, whatever its name
            or self.excludes.excluded(absolute, settings, True, base)
            or (settings.respect_gitignore and self.gitignores.ignored(absolute, True))
        )


def _links_to_folder(entry: os.DirEntry) -> bool:
    """A symlinked folder is not followed; a link that cannot be followed (dangling, a loop) is not one."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def named_source(path: str, resolver: ConfigResolver) -> SourceFile:
    """A path named on the command line (or by `--stdin-filename`) as a file to lint."""
    return _Walker(resolver).named_file(path)


def force_excluded(path: str, resolver: ConfigResolver) -> bool:
    """Whether `--force-exclude` drops this path (a name given with `--stdin-filename`, say)."""
    return _Walker(resolver).force_excluded(path)


@dataclass(frozen=True)
class Discovery:
    files: tuple[SourceFile, ...]
    unreadable: tuple[UnreadableFolder, ...] = ()


def discover(paths: Sequence[str], resolver: ConfigResolver, *, force_exclude: bool = False) -> Discovery:
    """The files to lint under `paths`, each once, sorted by the name shown to the user.

    A path that does not exist is kept as a file, which linting reports as unreadable (as ruff's
    E902), and the run goes on; a folder that cannot be listed is in `unreadable`, and the files of
    the others are still found.
    """
    walker = _Walker(resolver)
    found: dict[str, SourceFile] = {}
    for path in paths:
        if force_exclude and walker.force_excluded(path):
            continue
        candidates = walker.walk(path) if os.path.isdir(path) else [walker.named_file(path)]
        for candidate in candidates:
            found.setdefault(_identity(candidate.path), candidate)
    files = sorted(found.values(), key=lambda source: source.display_name)
    return Discovery(tuple(files), tuple(dict.fromkeys(walker.unreadable)))  # a folder named twice: once


def _identity(path: str) -> str:
    """The file a path names, so a file named twice (or through a symlink) is linted once; a link
    that leads nowhere is its own file (two dangling links are two findings)."""
    return os.path.realpath(path) if os.path.exists(path) else os.path.abspath(path)
