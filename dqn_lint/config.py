"""Settings from the user's configuration file, checked strictly so a typo never passes silently.

Each file is checked with the nearest `dqn-lint.toml` (top-level keys) or `pyproject.toml` with a
`[tool.dqn-lint]` table above it, as ruff's hierarchical configuration works; a file with none above
it gets the one found from the current folder, else the defaults. `dqn-lint.toml` wins in the same
folder and a `pyproject.toml` without the table is passed over. `--config PATH` uses one file for
everything and `--isolated` none. Globs (`exclude`, `extend-exclude`, `per-file-ignores`) are
gitignore-style and relative to the folder of the config file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dqn_lint.selection import SelectorLayer, normalize_selector, unknown_selectors

CONFIG_FILE_NAME = "dqn-lint.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"
PYPROJECT_TABLE = "[tool.dqn-lint]"

# ruff's default exclusions. A folder named on the command line is walked all the same, so
# `dqn-lint check .venv/lib/python3.11/site-packages/stable_baselines3` still lints an installed package.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "site-packages",
    ".bzr",
    ".direnv",
    ".dqn_lint_cache",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "venv",
)

_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
_SELECTOR_KEYS = ("select", "ignore", "extend-select")
_TABLE_KEYS = ("per-file-ignores",)
_BOOL_KEYS = ("unsafe-fixes", "respect-gitignore", "force-exclude")
KNOWN_KEYS = _LIST_KEYS + _TABLE_KEYS + _BOOL_KEYS


class ConfigError(Exception):
    """A configuration problem, worded as the one line the user will read."""


@dataclass(frozen=True)
class Settings:
    """Everything a check run takes from the configuration file (or the defaults when there is none)."""

    root: Path
    config_path: Path | None = None
    selectors: SelectorLayer = SelectorLayer()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unsafe_fixes: bool = False
    respect_gitignore: bool = True
    force_exclude: bool = False

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


def display_path(path: Path, cwd: Path) -> str:
    """The path relative to the current folder when it lies below it, else absolute."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _load_toml(path: Path, shown: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read the file: {error.strerror or type(error).__name__}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: the file is not valid UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        reason = str(error).splitlines()[0] if str(error) else "invalid TOML"
        raise ConfigError(f"{shown}: invalid TOML: {reason}") from None


def _tool_table(document: dict[str, Any]) -> Any:
    tool = document.get("tool")
    return tool.get("dqn-lint") if isinstance(tool, dict) else None


def config_in_folder(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """The config file of this folder itself, if it has one, with its parsed settings table."""
    cwd = Path.cwd()
    candidate = folder / CONFIG_FILE_NAME
    if candidate.is_file():
        return candidate, _load_toml(candidate, display_path(candidate, cwd))
    candidate = folder / PYPROJECT_FILE_NAME
    if candidate.is_file():
        table = _tool_table(_load_toml(candidate, display_path(candidate, cwd)))
        if table is not None:
            return candidate, table
    return None


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest config file from `start` upwards, with its parsed settings table."""
    for folder in (start, *start.parents):
        found = config_in_folder(folder)
        if found is not None:
            return found
    return None


def _table_of(path: Path, document: dict[str, Any]) -> Any:
    if path.name == PYPROJECT_FILE_NAME:
        table = _tool_table(document)
        return {} if table is None else table
    return document


def _string_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}'{key}' must be a list of strings")
    return tuple(value)


# pathspec rejects a gitignore pattern only for an escape, a negation or a bracket range; a
# pattern with none of these is always valid (tests/test_config.py checks this against pathspec).
_GLOB_CHARACTERS_TO_VALIDATE = frozenset("\\![")


def _check_globs(patterns: Iterable[str], key: str, where: str) -> None:
    """Reject a pattern pathspec would refuse. Most patterns (`build/`, `*.pyi`) need no check,
    which keeps pathspec's import (10-15 ms) out of a run that never matches a glob."""
    patterns = [pattern for pattern in patterns if not _GLOB_CHARACTERS_TO_VALIDATE.isdisjoint(pattern)]
    if not patterns:
        return
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except Exception:  # pathspec raises several error types for a bad pattern
            raise ConfigError(f"{where}invalid glob {pattern!r} in '{key}'") from None


def _check_selectors(selectors: Iterable[str], key: str, where: str, known_codes: frozenset[str]) -> None:
    unknown = unknown_selectors(selectors, known_codes)
    if unknown:
        raise ConfigError(f"{where}unknown rule code or prefix {unknown[0]!r} in '{key}'")


def _unknown_key_message(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def settings_from_table(
    table: Any, path: Path, shown: str, known_codes: frozenset[str]
) -> Settings:
    """Validate one settings table (keys, types, codes, globs) and turn it into `Settings`."""
    in_table = f" in {PYPROJECT_TABLE}" if path.name == PYPROJECT_FILE_NAME else ""
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: {PYPROJECT_TABLE} must be a table")
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{shown}: unknown key {key!r}{in_table}{_unknown_key_message(key)}")

    where = f"{shown}: "
    lists = {key: _string_list(table[key], key, where) for key in _LIST_KEYS if key in table}
    selectors = {key: tuple(normalize_selector(s) for s in lists.get(key, ())) for key in _SELECTOR_KEYS}
    for key in _SELECTOR_KEYS:
        _check_selectors(selectors[key], key, where, known_codes)
    for key in ("exclude", "extend-exclude"):
        _check_globs(lists.get(key, ()), key, where)

    per_file_ignores: list[tuple[str, tuple[str, ...]]] = []
    raw = table.get("per-file-ignores", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}'per-file-ignores' must be a table of glob = [codes]")
    for pattern, codes in raw.items():
        key = f"per-file-ignores.{pattern}" if pattern else "per-file-ignores"
        codes = tuple(normalize_selector(code) for code in _string_list(codes, key, where))
        _check_selectors(codes, key, where, known_codes)
        _check_globs([pattern], "per-file-ignores", where)
        per_file_ignores.append((pattern, codes))

    for key in _BOOL_KEYS:
        if key in table and not isinstance(table[key], bool):
            raise ConfigError(f"{where}'{key}' must be true or false")

    return Settings(
        root=path.parent,
        config_path=path,
        selectors=SelectorLayer(
            select=selectors["select"] if "select" in table else None,
            extend_select=selectors["extend-select"],
            ignore=selectors["ignore"],
        ),
        exclude=lists.get("exclude", DEFAULT_EXCLUDE),
        extend_exclude=lists.get("extend-exclude", ()),
        per_file_ignores=tuple(per_file_ignores),
        unsafe_fixes=table.get("unsafe-fixes", False),
        respect_gitignore=table.get("respect-gitignore", True),
        force_exclude=table.get("force-exclude", False),
    )


def load_settings(explicit: str | None, known_codes: frozenset[str]) -> Settings:
    """Settings from `--config PATH` if given, else from the nearest config file, else the defaults."""
    cwd = Path.cwd()
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file does not exist: {explicit}")
        path = Path(os.path.abspath(path))
        return settings_from_table(_table_of(path, _load_toml(path, explicit)), path, explicit, known_codes)
    found = find_config_file(cwd)
    if found is None:
        return Settings(root=cwd)
    path, table = found
    return settings_from_table(table, path, display_path(path, cwd), known_codes)


class ConfigResolver:
    """The settings for each folder: the nearest config file above it, looked up once per folder.

    A folder with no config file above it gets the settings found from the current folder (or the
    defaults), so `dqn-lint check /somewhere/else` behaves as it would have before it had a config.
    """

    def __init__(self, known_codes: frozenset[str], explicit: str | None = None, isolated: bool = False) -> None:
        self._known_codes = known_codes
        self._cwd = Path(os.path.abspath(Path.cwd()))
        self._fixed: Settings | None = None
        if explicit is not None:
            self._fixed = load_settings(explicit, known_codes)
        elif isolated:
            self._fixed = Settings(root=self._cwd)
        self._by_folder: dict[str, Settings | None] = {}
        self._fallback: Settings | None = self._fixed

    @property
    def current(self) -> Settings:
        """The settings of the current folder: the ones for options that are not per file."""
        if self._fallback is None:
            self._fallback = self._nearest(str(self._cwd)) or Settings(root=self._cwd)
        return self._fallback

    def for_folder(self, folder: str) -> Settings:
        """The settings for files directly inside `folder` (an absolute, normalised path)."""
        if self._fixed is not None:
            return self._fixed
        return self._nearest(folder) or self.current

    def for_file(self, path: str) -> Settings:
        return self.for_folder(os.path.dirname(os.path.abspath(path)))

    def _nearest(self, folder: str) -> Settings | None:
        unresolved: list[str] = []
        found: Settings | None = None
        current = folder
        while True:
            if current in self._by_folder:
                found = self._by_folder[current]
                break
            unresolved.append(current)
            config = config_in_folder(Path(current))
            if config is not None:
                path, table = config
                found = settings_from_table(table, path, display_path(path, self._cwd), self._known_codes)
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for each in unresolved:
            self._by_folder[each] = found
        return found
