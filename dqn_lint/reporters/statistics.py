"""`check --statistics`: how many findings each rule gave, as ruff prints them.

Text (for the `full`, `concise` and `grouped` formats), Flake8's layout as ruff keeps it, tab
separated, counts right-aligned and codes padded, then the usual summary lines:

```
3	DQN004	[*] missing-terminal-mask
1	DQN003	[ ] truncation-as-termination
```

The `[*]`/`[ ] ` column shows only when some code is fixable; a code is fixable when `--fix` (with
the run's `--unsafe-fixes` choice) would fix every one of its findings. The `json` format gives a
list of `{"code", "name", "count", "fixable"}`. Rows go by count, most first, then by code.

Unlike ruff, which prints nothing at all when nothing is found, the text form still prints the
summary (`All checks passed!`) and the json form prints `[]`, so its output always parses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from dqn_lint.diagnostics import Finding
from dqn_lint.reporters import ReportContext, summary_line

TEXT_FORMATS = frozenset({"full", "concise", "grouped"})
STATISTICS_FORMATS = TEXT_FORMATS | {"json"}


@dataclass(frozen=True)
class RuleCount:
    code: str
    name: str
    count: int
    fixable: bool

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "count": self.count, "fixable": self.fixable}


def statistics(findings: Sequence[Finding], context: ReportContext = ReportContext()) -> list[RuleCount]:
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    counts = [
        RuleCount(code, group[0].name, len(group), all(context.applies(finding) for finding in group))
        for code, group in by_code.items()
    ]
    return sorted(counts, key=lambda row: (-row.count, row.code))


def statistics_lines(rows: Sequence[RuleCount]) -> list[str]:
    if not rows:
        return []
    count_width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    any_fixable = any(row.fixable for row in rows)
    lines = []
    for row in rows:
        marker = ("[*] " if row.fixable else "[ ] ") if any_fixable else ""
        lines.append(f"{row.count:>{count_width}}\t{row.code:<{code_width}}\t{marker}{row.name}")
    return lines


def render_statistics(
    findings: Sequence[Finding],
    stream: TextIO,
    *,
    context: ReportContext = ReportContext(),
    output_format: str = "full",
    quiet: bool = False,
) -> None:
    """Raises ValueError for a format statistics have no form in (sarif, github, junit), as ruff
    refuses them; `STATISTICS_FORMATS` lists those that work."""
    rows = statistics(findings, context)
    if output_format == "json":
        json.dump([row.to_json() for row in rows], stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    if output_format not in TEXT_FORMATS:
        raise ValueError(f"--statistics cannot be shown in the `{output_format}` output format; use {', '.join(sorted(STATISTICS_FORMATS))}")
    lines = statistics_lines(rows)
    if not quiet:
        lines.extend(summary_line(findings, context).split("\n"))
    for line in lines:
        stream.write(line + "\n")
