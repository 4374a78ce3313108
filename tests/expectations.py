"""Reading `# expect` markers: the lines where findings must land, written in the code itself."""

from __future__ import annotations

import re

_MARKER = re.compile(r"#\s*expect\b(?::\s*(?P<codes>[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*))?")


def expected_findings(source: str, default_code: str | None = None) -> set[tuple[int, str]]:
    """(row, code) pairs marked with `# expect: CODE` (or a bare `# expect` for `default_code`)."""
    expected = set()
    for row, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.search(line)
        if not match:
            continue
        codes = match.group("codes")
        for code in [c.strip() for c in codes.split(",")] if codes else [default_code]:
            if code is None:
                raise ValueError(f"line {row}: bare '# expect' needs a default code")
            expected.add((row, code))
    return expected
