"""Linting an open document as `check` would lint the file: the same configuration hierarchy
(the nearest config above the file, per-file-ignores, excludes), noqa comments, and the project
around the file, with every open buffer read in place of its file on disk.

A configuration that cannot be read is reported once (the caller shows it) and the document is
linted with the default settings meanwhile, as ruff's server does. A document that does not parse
has no findings: it is being typed, and the syntax error is the Python server's to show.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dqn_lint import engine, registry
from dqn_lint.config import ConfigError, ConfigResolver
from dqn_lint.diagnostics import FILE_CODES, PARSE_ERROR, Finding
from dqn_lint.sources import source_encoding


@dataclass
class LintedDocument:
    """What linting one version of a document gave: its findings, and what fixing them needs."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    file: engine.SourceInput | None = None  # the pipeline's input, with its project; None when not linted
    config_error: str | None = None
    unsafe_fixes: bool = False  # the file's settings: whether "fix all" applies unsafe fixes, as `--fix` would


def text_bytes(text: str) -> bytes:
    """The bytes a file with this text has: in the encoding its coding cookie names (UTF-8 without one)."""
    utf8 = text.encode("utf-8", "surrogatepass")
    try:
        encoding = source_encoding(utf8)
        return utf8 if encoding in ("utf-8", "utf-8-sig") else text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return utf8


def lint_document(path: str | None, text: str, buffers: Mapping[Path, bytes]) -> LintedDocument:
    """Lint an open document. `path` is its file's path (None for an unsaved, untitled document);
    `buffers` the bytes of every open document, by resolved path."""
    known = frozenset(rule.code for rule in registry.all_rules()) | FILE_CODES
    config_error = None
    try:
        resolver = ConfigResolver(known)
        return _linted(path, text, buffers, resolver, None)
    except ConfigError as error:
        config_error = str(error)
    return _linted(path, text, buffers, ConfigResolver(known, isolated=True), config_error)


def _linted(path: str | None, text: str, buffers: Mapping[Path, bytes], resolver: ConfigResolver, config_error: str | None) -> LintedDocument:
    from dqn_lint.discovery import force_excluded, named_source
    from dqn_lint.file_rules import RulesPerFile
    from dqn_lint.linting import lint_one
    from dqn_lint.project import resolved_path

    per_file = RulesPerFile(registry.all_rules(), resolver)
    source = text_bytes(text)
    if path is None:
        source_file = named_source(os.path.join(os.getcwd(), "untitled.py"), resolver)
        file = engine.SourceInput(source, "untitled.py", per_file.for_file(source_file))
        findings = file.findings()
    elif force_excluded(path, resolver):
        return LintedDocument(text, config_error=config_error)
    else:
        source_file = named_source(path, resolver)
        contents = {**buffers, resolved_path(Path(path)): source}
        linted = lint_one(source_file, per_file.for_file, contents)
        file = engine.SourceInput(source, source_file.display_name, per_file.for_file(source_file), linted.project)
        findings = linted.findings
    settings = source_file.settings or resolver.for_file(source_file.path)
    return _without_parse_errors(LintedDocument(text, findings, file, config_error, settings.unsafe_fixes))


def _without_parse_errors(document: LintedDocument) -> LintedDocument:
    if any(finding.code == PARSE_ERROR[0] for finding in document.findings):
        document.findings = []
    return document
