"""Findings as one JSON array on stdout, for tools: stable key order, 1-based rows and columns.

Nothing else is written to the stream, so the output always parses, even with no findings (`[]`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from dqn_lint.diagnostics import Finding, Fix, Position, Span
from dqn_lint.reporters import ReportContext


def _position(position: Position) -> dict[str, int]:
    return {"row": position.row, "column": position.column}


def _span(span: Span) -> dict[str, dict[str, int]]:
    return {"location": _position(span.start), "end_location": _position(span.end)}


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.message,
        "edits": [{"content": edit.content, **_span(edit.span)} for edit in fix.edits],
    }


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": finding.filename,
        **_span(finding.span),
        "related": [
            {"message": related.message, "filename": related.file_of(finding), **_span(related.span)}
            for related in finding.related
        ],
        "fix": _fix(finding.fix),
    }


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext | None = None) -> None:
    """`quiet` and the fix context change nothing: each finding carries its fix and applicability,
    and, after `check --verify`, the evidence for its rule."""
    evidence = context.evidence if context is not None else {}
    records = []
    for finding in findings:
        record = finding_to_json(finding)
        if finding.code in evidence:
            record["evidence"] = evidence[finding.code].to_json()
        records.append(record)
    json.dump(records, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
