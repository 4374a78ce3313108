"""Findings as a SARIF 2.1.0 log, for GitHub code scanning and other CI dashboards.

One run. `tool.driver.rules` lists every rule and the DQN9xx file codes, so a result's `ruleIndex`
always points at its rule. Locations of files below the working directory are relative URIs
resolved against `%SRCROOT%` (the working directory, given in `originalUriBaseIds`); other files
get an absolute `file://` URI.

Regions: our rows and columns are 1-based and count characters (libcst's code points), and a span's
end column is exclusive (libcst's `CodeRange.end` is the position just past the node, plus one).
That is exactly SARIF's model with `columnKind: "unicodeCodePoints"`: `endColumn` is one past the
last character of the region. So spans are copied as they are, with no adjustment.

The document is written as ASCII (`\\uXXXX` escapes), so it stays valid JSON whatever the encoding
of the stream it goes to.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Sequence
from typing import Any, TextIO
from urllib.parse import quote

from dqn_lint.diagnostics import (
    INTERNAL_ERROR,
    MAX_FILE_SIZE,
    MAX_NESTING,
    PARSE_ERROR,
    READ_ERROR,
    TOO_COMPLEX,
    Finding,
    Fix,
    Severity,
    Span,
)
from dqn_lint.reporters import ReportContext

INFORMATION_URI = "https://github.com/dqn-lint/dqn-lint"  # placeholder until the project has a home
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"

# The problems with a file itself (dqn_lint.diagnostics.FILE_CODES): not Rule objects, but findings can
# carry them, so they are described here for the rules table.
_FILE_CODES = (
    (
        *PARSE_ERROR,
        "The file has a syntax error; it was not checked.",
        "Reported when the file does not parse as Python. No rule ran on it, so it may hide other "
        "findings: fix the syntax error and lint again.",
    ),
    (
        *READ_ERROR,
        "The file could not be read or decoded; it was not checked.",
        "Reported when the file cannot be opened, is not a regular file, or is not valid text in its "
        "declared encoding. No rule ran on it.",
    ),
    (
        *INTERNAL_ERROR,
        "dqn-lint failed on this file; it was not (fully) checked.",
        "Reported when the analysis or one rule failed with an internal error. The other files and "
        "rules still ran. Please report it with the file that triggers it.",
    ),
    (
        *TOO_COMPLEX,
        "The file is too large or nested too deeply to check; it was not checked.",
        f"Reported for a file larger than {MAX_FILE_SIZE // 2**20} MiB or with an expression nested more than "
        f"{MAX_NESTING} levels deep: generated code, in practice. Parsing it would take minutes and gigabytes. "
        "Exclude the file (`extend-exclude`) to skip it.",
    ),
)


def _level(severity: Severity) -> str:
    return "warning" if severity is Severity.WARNING else "error"


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _rule_descriptors() -> list[dict[str, Any]]:
    from dqn_lint.registry import all_rules, rule_page_url

    descriptors = []
    for rule in all_rules():
        page = rule.page()
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": _text(rule.summary),
                "fullDescription": _text(rule.docs.what_it_does.strip()),
                "helpUri": rule_page_url(rule.code),
                "help": {"text": page, "markdown": page},
                "defaultConfiguration": {"level": _level(rule.severity)},
                "properties": {"tags": ["dqn", "correctness"], "problem.severity": _level(rule.severity)},
            }
        )
    for code, name, summary, details in _FILE_CODES:
        page = f"# {name} ({code})\n\n{summary}\n\n{details}\n"
        descriptors.append(
            {
                "id": code,
                "name": name,
                "shortDescription": _text(summary),
                "fullDescription": _text(details),
                "help": {"text": page, "markdown": page},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["file"], "problem.severity": "error"},
            }
        )
    return descriptors


def _unknown_descriptor(finding: Finding) -> dict[str, Any]:
    """A rule the registry does not know (a plugin or a test's stand-in): described by the finding."""
    return {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": _text(finding.name),
        "defaultConfiguration": {"level": _level(finding.severity)},
    }


def artifact_location(filename: str, cwd: str) -> dict[str, str]:
    """A relative URI against %SRCROOT% for a file below `cwd`; an absolute file URI otherwise.
    Percent-encoded from the path's bytes, so spaces, `%`, `#`, `:` and non-ASCII survive."""
    absolute = os.path.normpath(os.path.join(cwd, filename))
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        relative = os.pardir
    parts = relative.split(os.sep)
    if relative == os.curdir or parts[0] == os.pardir:
        return {"uri": _file_uri(absolute)}
    return {"uri": quote(os.fsencode(posixpath.join(*parts)), safe="/"), "uriBaseId": SRCROOT}


def _file_uri(absolute: str, *, folder: bool = False) -> str:
    path = absolute.replace(os.sep, "/")
    if not path.startswith("/"):  # C:/x on Windows: file:///C:/x
        path = "/" + path
    if folder and not path.endswith("/"):
        path += "/"
    return "file://" + quote(os.fsencode(path), safe="/:" if os.name == "nt" else "/")


def region(span: Span) -> dict[str, int]:
    """SARIF region of a span: 1-based, end column exclusive on both sides, so copied as is."""
    return {
        "startLine": span.start.row,
        "startColumn": span.start.column,
        "endLine": span.end.row,
        "endColumn": span.end.column,
    }


def _physical(location: dict[str, str], span: Span) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": dict(location), "region": region(span)}}


def _fixes(fix: Fix | None, location: dict[str, str]) -> list[dict[str, Any]]:
    if fix is None or not fix.edits:
        return []
    return [
        {
            "description": _text(fix.message or "Apply the suggested fix."),
            "artifactChanges": [
                {
                    "artifactLocation": dict(location),
                    "replacements": [
                        {"deletedRegion": region(edit.span), "insertedContent": _text(edit.content)}
                        for edit in fix.edits
                    ],
                }
            ],
            "properties": {"applicability": fix.applicability.value},
        }
    ]


def _result(finding: Finding, rule_index: int, cwd: str, context: ReportContext) -> dict[str, Any]:
    location = artifact_location(finding.filename, cwd)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _level(finding.severity),
        "message": _text(finding.message),
        "locations": [_physical(location, finding.span)],
    }
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "message": _text(related.message),
                **_physical(artifact_location(related.filename, cwd) if related.filename else location, related.span),
            }
            for number, related in enumerate(finding.related, start=1)
        ]
    fixes = _fixes(finding.fix, location)
    if fixes:
        result["fixes"] = fixes
    properties: dict[str, Any] = {"name": finding.name, "fixable": context.applies(finding)}
    evidence = context.evidence_line(finding)
    if evidence is not None:
        properties["evidence"] = evidence
    result["properties"] = properties
    return result


def sarif_log(findings: Sequence[Finding], context: ReportContext = ReportContext(), cwd: str | None = None) -> dict[str, Any]:
    """The SARIF document as a dict; `cwd` is the folder display paths are relative to."""
    from dqn_lint import __version__

    cwd = os.path.abspath(cwd if cwd is not None else os.getcwd())
    rules = _rule_descriptors()
    index = {descriptor["id"]: number for number, descriptor in enumerate(rules)}
    results = []
    for finding in findings:
        if finding.code not in index:
            index[finding.code] = len(rules)
            rules.append(_unknown_descriptor(finding))
        results.append(_result(finding, index[finding.code], cwd, context))
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dqn-lint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "originalUriBaseIds": {SRCROOT: {"uri": _file_uri(cwd, folder=True)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext = ReportContext()) -> None:
    """`quiet` changes nothing: the stream holds the SARIF document alone."""
    json.dump(sarif_log(findings, context), stream, indent=2, ensure_ascii=True)
    stream.write("\n")
