"""Findings as JUnit XML, laid out as ruff's `junit` format, for CI test-report viewers.

```xml
<testsuites name="dqn-lint" tests="1" failures="1" errors="0">
    <testsuite name="train.py" tests="1" disabled="0" errors="0" failures="1" package="org.dqn-lint">
        <testcase name="org.dqn-lint.DQN004" classname="train" line="8" column="13">
            <failure message="...">line 8, col 13, ...</failure>
        </testcase>
    </testsuite>
</testsuites>
```

One test suite per file (in the order the findings come), one failing test case per finding; with
no findings, one passing case named "No errors found". ElementTree does the escaping. XML 1.0
cannot hold most control characters (nor lone surrogates, which undecodable file names give), so
they are written as visible `\\xNN` / `\\uNNNN` text. The document is written as ASCII, non-ASCII
characters as character references, so it stays well-formed whatever the stream's encoding.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding
from dqn_lint.reporters import ReportContext

TOOL = "dqn-lint"
PACKAGE = f"org.{TOOL}"

# Everything XML 1.0 forbids: C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _NOT_XML.sub(visible, text)


def _group_by_file(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.filename, []).append(finding)
    return groups


def _classname(filename: str) -> str:
    """The path without its extension, as ruff has it: `pkg/train.py` -> `pkg/train`."""
    return os.path.splitext(filename)[0]


def _suite(parent: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    return ET.SubElement(
        parent,
        "testsuite",
        {
            "name": xml_safe(name),
            "tests": str(tests),
            "disabled": "0",
            "errors": "0",
            "failures": str(failures),
            "package": PACKAGE,
        },
    )


def junit_tree(findings: Sequence[Finding]) -> ET.Element:
    root = ET.Element("testsuites", {"name": TOOL, "tests": str(max(len(findings), 1)), "failures": str(len(findings)), "errors": "0"})
    if not findings:
        suite = _suite(root, TOOL, 1, 0)
        ET.SubElement(suite, "testcase", {"name": "No errors found", "classname": TOOL})
        return root
    for filename, group in _group_by_file(findings).items():
        suite = _suite(root, filename, len(group), len(group))
        for finding in group:
            start = finding.span.start
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "name": f"{PACKAGE}.{xml_safe(finding.code)}",
                    "classname": xml_safe(_classname(filename)),
                    "line": str(start.row),
                    "column": str(start.column),
                },
            )
            message = xml_safe(finding.message)
            failure = ET.SubElement(case, "failure", {"message": message})
            failure.text = f"line {start.row}, col {start.column}, {message}"
    return root


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext = ReportContext()) -> None:
    """`quiet` changes nothing: the stream holds the XML document alone."""
    root = junit_tree(findings)
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="us-ascii", xml_declaration=False).decode("ascii")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n")
