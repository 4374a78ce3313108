"""Results of earlier runs, so a second run over an unchanged tree parses nothing.

An entry is keyed on the file's bytes (SHA-256) and the codes enabled for it, and belongs to one
fingerprint of the linter itself (its version, the sizes and times of its own source files and
of libcst's): change a rule, upgrade, or edit a file, and the stale entries are simply never read.
The cache lives in `.dqn_lint_cache/` (with a `.gitignore` of its own), one JSON file per
fingerprint, replaced atomically; JSON rather than pickle, because a cache folder can come from a
cloned repository and must never run code. A damaged cache is treated as empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from dqn_lint.diagnostics import Applicability, Edit, Finding, Fix, Position, Related, Severity, Span

CACHE_DIR_NAME = ".dqn_lint_cache"
CACHE_DIR_ENV = "DQN_LINT_CACHE_DIR"
_RESULTS_FILE = "results.json"
_KEEP_DAYS = 30  # entries unused for this long are dropped when the cache is saved


def default_cache_dir(explicit: str | None = None) -> Path:
    """`--cache-dir`, else `$DQN_LINT_CACHE_DIR`, else `.dqn_lint_cache` in the current folder (as ruff)."""
    chosen = explicit or os.environ.get(CACHE_DIR_ENV)
    return Path(chosen) if chosen else Path.cwd() / CACHE_DIR_NAME


def linter_fingerprint() -> str:
    """Changes whenever the code that produces findings may have changed: version, own sources, libcst.

    libcst is known by the sizes and times of its package's own files (its `_version.py` and
    native parser among them): any upgrade or reinstall changes them. Asking `importlib.metadata`
    for its version instead cost 34 ms of imports, more than a whole warm run.
    """
    import importlib.util

    import dqn_lint

    digest = hashlib.sha256(dqn_lint.__version__.encode())
    libcst = importlib.util.find_spec("libcst")
    libcst_folders = [Path(folder) for folder in (libcst.submodule_search_locations or [])] if libcst else []
    for folder in libcst_folders:
        for path in sorted(folder.iterdir()):
            with contextlib.suppress(OSError):
                stat = path.stat()
                if path.is_file():  # not `__pycache__`, whose time changes whenever Python writes a .pyc
                    digest.update(f"libcst/{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    package = Path(dqn_lint.__file__).resolve().parent
    from dqn_lint import registry

    folders = [package, Path(registry.rules_package().__path__[0]).resolve()]
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            if _is_training_code(path.relative_to(folder)):
                continue  # training code never changes what `check` reports
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


_TRAINING_PACKAGES = frozenset({"verify", "runtime"})


def _is_training_code(relative: Path) -> bool:
    """`verify/...` or `runtime/...` inside the package: judged on the path below the package, so an
    install folder that happens to be named `verify` or `runtime` does not hide every source file."""
    return len(relative.parts) > 1 and relative.parts[0] in _TRAINING_PACKAGES


def entry_key(source: bytes, codes: Sequence[str]) -> str:
    return hashlib.sha256(source).hexdigest() + ":" + ",".join(sorted(codes))


# --- findings as JSON values (filename left out: the same bytes may be shown under another name) ---


def _span(span: Span) -> list[int]:
    return [span.start.row, span.start.column, span.end.row, span.end.column]


def _span_from(values: list[int]) -> Span:
    return Span(Position(values[0], values[1]), Position(values[2], values[3]))


def _encode(finding: Finding) -> dict[str, Any]:
    fix = finding.fix
    return {
        "c": finding.code,
        "n": finding.name,
        "m": finding.message,
        "s": finding.severity.value,
        "p": _span(finding.span),
        "r": [[related.message, _span(related.span), related.filename] for related in finding.related],
        "f": None
        if fix is None
        else [fix.applicability.value, fix.message, [[edit.content, _span(edit.span)] for edit in fix.edits]],
        "l": list(finding.statement_rows) if finding.statement_rows else None,
    }


def _decode(value: dict[str, Any], filename: str) -> Finding:
    fix = value["f"]
    return Finding(
        code=value["c"],
        name=value["n"],
        message=value["m"],
        severity=Severity(value["s"]),
        span=_span_from(value["p"]),
        filename=filename,
        related=tuple(Related(message, _span_from(span), other) for message, span, other in value["r"]),
        fix=None
        if fix is None
        else Fix(Applicability(fix[0]), fix[1], tuple(Edit(content, _span_from(span)) for content, span in fix[2])),
        statement_rows=tuple(value["l"]) if value["l"] else None,
    )


class ResultCache:
    """Findings per (file bytes, enabled codes) for one linter fingerprint."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self._path = folder / fingerprint / _RESULTS_FILE
        self._today = int(time.time() // 86400)
        self._entries: dict[str, list[Any]] = self._load()
        self._dirty = False

    def _load(self) -> dict[str, list[Any]]:
        try:
            data = json.loads(self._path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str, filename: str) -> list[Finding] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            findings = [_decode(value, filename) for value in entry[1]]
        except (KeyError, TypeError, ValueError, IndexError):
            return None  # written by a different layout: recompute
        if entry[0] != self._today:
            entry[0] = self._today
            self._dirty = True
        return findings

    def put(self, key: str, findings: Sequence[Finding], holds_dqn_code: bool = False) -> None:
        self._entries[key] = [
            self._today, [_encode(replace(finding, filename="")) for finding in findings], holds_dqn_code
        ]
        self._dirty = True

    def holds_dqn_code(self, key: str) -> bool:
        """What `put` recorded of the file (see `engine.FileFacts`); False when unknown."""
        entry = self._entries.get(key)
        return bool(entry[2]) if entry is not None and len(entry) > 2 else False

    def save(self) -> None:
        """Write the entries atomically; a cache that cannot be written is silently skipped."""
        if not self._dirty:
            return
        fresh = {key: entry for key, entry in self._entries.items() if self._today - entry[0] <= _KEEP_DAYS}
        with contextlib.suppress(OSError):
            self._path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by dqn-lint automatically.\n*\n")
            import tempfile

            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".results.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    json.dump(fresh, file, separators=(",", ":"))
                os.replace(tmp, self._path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


def clean(folder: Path) -> bool:
    """Remove the cache folder; True when there was one. Refuses a folder that is not ours."""
    import shutil

    if not folder.exists():
        return False
    if not (folder / ".gitignore").exists() or "dqn-lint" not in (folder / ".gitignore").read_text(errors="replace"):
        raise OSError(f"{folder} does not look like a dqn-lint cache; not removed")
    shutil.rmtree(folder)
    return True
