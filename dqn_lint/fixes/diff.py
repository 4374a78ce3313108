"""The unified diff that `--diff` prints, so a fix can be reviewed before it is applied.

It follows ruff's `--diff` output: the file name on both header lines and the usual hunks. Lines
are split only where Python's tokenizer ends them (`\\r\\n`, `\\r`, `\\n`), not at form feeds or
Unicode separators as `str.splitlines` would, so the hunks match the lines the user sees in
their editor, and each line's own ending is kept, as git shows it.
"""

from __future__ import annotations

import difflib

from dqn_lint.fixes.edits import split_lines

_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(old: str, new: str, filename: str, context: int = 3) -> str:
    """A unified diff from `old` to `new` labelled `filename`; "" when there is no change."""
    if old == new:
        return ""
    out: list[str] = []
    # lineterm="\n" ends the header and hunk lines; content lines keep their own endings.
    for line in difflib.unified_diff(
        split_lines(old), split_lines(new), fromfile=filename, tofile=filename, n=context, lineterm="\n"
    ):
        if line.endswith("\n"):
            out.append(line)
        elif line.endswith("\r"):
            out.append(line + "\n")
        else:
            # Only the last line of either text can lack an ending.
            out.append(line + "\n" + _NO_NEWLINE)
    return "".join(out)

