"""The evidence cache: `check --verify` trains a rule's experiment once per setting, not per run.

An entry is keyed by the rule, the settings, the package version and the sources of the two fixture
programs, so a changed fixture or release never serves stale evidence. Entries are written
atomically; an unreadable or corrupt entry counts as missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dqn_lint.verify.evidence import Evidence

CACHE_ENV = "DQN_LINT_CACHE_DIR"


def cache_dir() -> Path:
    """`$DQN_LINT_CACHE_DIR`, else `$XDG_CACHE_HOME/dqn-lint`, else `~/.cache/dqn-lint`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dqn-lint"


def evidence_key(rule: str, settings: Mapping[str, Any], version: str, sources: tuple[bytes, ...]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({"rule": rule, "settings": dict(settings), "version": version},
                             sort_keys=True).encode())
    for source in sources:
        digest.update(hashlib.sha256(source).digest())
    return digest.hexdigest()[:32]


def load(key: str, folder: Path | None = None) -> Evidence | None:
    path = (folder or cache_dir()) / "evidence" / f"{key}.json"
    try:
        return Evidence.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, evidence: Evidence, folder: Path | None = None) -> Path:
    target = (folder or cache_dir()) / "evidence"
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{key}.json"
    fd, temp = tempfile.mkstemp(dir=target, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(evidence.to_json(), handle, indent=1)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
