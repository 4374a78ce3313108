"""Hypothesis strategies for the property tests: source files, as bytes, that CPython compiles.

- `generated_programs()`: hypothesmith's programs from the Python grammar, behind a header that
  mentions torch and a discount, so the byte prefilter lets them through and every rule runs.
- `dqn_programs()`: DQN-like programs made from real ones (the fixture agents, the correct programs
  and the review cases): statements dropped, duplicated, swapped, moved in from another program or
  from hypothesmith, identifiers renamed, small bug-making substitutions (`terminated` ->
  `terminated | truncated`, `copy.deepcopy(online)` -> `online`, `torch.no_grad()` dropped ...),
  the whole wrapped in a function or a class.

Both end with a layout drawn on top: LF, CRLF or CR line ends, a BOM or a latin-1 coding cookie,
tabs or two spaces for indentation, no newline at the end. A mutation or layout step whose result
does not compile is skipped, so every program drawn compiles.
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import hypothesmith
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
BOM = b"\xef\xbb\xbf"

# Without torch and a discount in the bytes, the prefilter skips the file unparsed.
HEADER = "import torch\nimport torch.nn as nn\ngamma = 0.99\n"

# hypothesmith can nest deeply; the engine refuses such files, but shrinking and compiling huge
# programs only costs time, so generated pieces stay small.
MAX_GENERATED_CHARS = 1500

LINE_ENDINGS = ("\n", "\r\n", "\r")

# Names a DQN program uses, so renames make other plausible programs (and sometimes collisions).
DQN_NAMES = (
    "online", "target", "q_net", "target_net", "policy_net", "model", "net", "done", "dones",
    "terminated", "truncated", "terminations", "truncations", "gamma", "discount", "next_q",
    "next_obs", "reward", "rewards", "y", "td_target", "loss", "batch", "obs", "q", "copy", "torch",
    "self", "no_grad", "deepcopy", "mask", "not_done", "x", "_",
)

# Small edits that turn a correct program into a buggy one (or a buggy one into another).
SUBSTITUTIONS = (
    ("terminated", "terminated | truncated"),
    ("terminated", "(terminated or truncated)"),
    ("terminated", "truncated"),
    ("terminations", "np.logical_or(terminations, truncations)"),
    ("copy.deepcopy(online)", "online"),
    ("copy.deepcopy(", "("),
    ("deepcopy(", "("),
    ("with torch.no_grad():", "if True:"),
    ("with torch.no_grad():", "with torch.enable_grad():"),
    ("with torch.no_grad():", "with torch.no_grad(), torch.no_grad():"),
    (".detach()", ""),
    ("(1 - ", "("),
    ("(1.0 - ", "("),
    ("1 - ", "1.0 - "),
    (" * (1 - ", " * ~("),
    ("target(", "online("),
    ("target_net(", "policy_net("),
    ("target_network(", "q_network("),
    (".max(", ".amax("),
    ("gamma *", "gamma ** 1 *"),
    ("gamma", "0.99"),
    ("torch.", "th."),
    ("import torch\n", "import torch\nimport torch as th\n"),
    (" or ", " | "),
    (" | ", " or "),
    ("=", " = "),
    ("(", "(\n"),
    (", ", ",\n"),
    (" = ", " = \\\n"),
    (" + ", " + \\\n    "),
    (" * ", " * \\\n"),
    (":\n", ":  # comment\n"),
    ("\n", "\n\n"),
    ("\n", "\n# comment\n"),
    ("\n", "  # comment\n"),
    ("  # expect: ", "  # noqa: "),
    ("# expect: DQN", "# noqa: DQN"),
)


def compiles(source: str | bytes) -> bool:
    """Whether CPython compiles `source` (bytes: with its BOM or coding cookie)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


@cache
def corpus() -> tuple[str, ...]:
    """The real programs mutations start from, LF line ends, smallest first (they shrink to the
    start of this list)."""
    paths = [
        ROOT / "fixtures" / "reference_dqn.py",
        *sorted((ROOT / "fixtures" / "twins").glob("dqn*.py")),
        *sorted((ROOT / "fixtures" / "correct").glob("*.py")),
        *sorted((ROOT / "tests" / "cases").glob("*.py")),
    ]
    texts = [path.read_text(encoding="utf-8").replace("\r\n", "\n") for path in paths]
    return tuple(sorted((text for text in texts if compiles(text)), key=len))


@cache
def buggy_corpus() -> tuple[str, ...]:
    """The programs of `corpus()` marked with a bug that has a fix (DQN001-DQN004)."""
    return tuple(text for text in corpus() if re.search(r"# expect: DQN00[1-4]", text))


# --- statements as line ranges ------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Lines with their `\\n`; only `\\n` ends a line in the texts mutated here."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


@dataclass(frozen=True)
class Statement:
    start: int  # index of its first line (the first decorator's), in `_lines(text)`
    end: int  # index after its last line
    indent: str


def _char_column(line: str, byte_column: int) -> int:
    return len(line.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


def bodies(text: str) -> list[list[Statement]]:
    """The statement lists of `text` whose statements each own their lines (no `a; b`, no `if x: y`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    lines = _lines(text)
    found = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            statements = [_own_lines(lines, stmt) for stmt in block]
            if all(statements) and all(a.end <= b.start for a, b in zip(statements, statements[1:])):
                found.append(statements)
    return found


def _own_lines(lines: list[str], stmt: ast.stmt) -> Statement | None:
    first = min([stmt.lineno, *(d.lineno - 1 for d in getattr(stmt, "decorator_list", []))])
    col = stmt.col_offset if first == stmt.lineno else None
    if stmt.end_lineno is None or stmt.end_col_offset is None or first < 1 or stmt.end_lineno > len(lines):
        return None
    head, tail = lines[first - 1], lines[stmt.end_lineno - 1]
    indent = head[: len(head) - len(head.lstrip(" \t"))]
    if col is not None and _char_column(head, col) != len(indent):
        return None
    rest = tail[_char_column(tail, stmt.end_col_offset) :].strip()
    if rest and not rest.startswith("#"):
        return None
    if any(line.rstrip("\n").endswith("\\") for line in lines[first - 1 : stmt.end_lineno]):
        return None
    return Statement(first - 1, stmt.end_lineno, indent)


def _reindent(piece: list[str], old: str, new: str) -> list[str]:
    out = []
    for line in piece:
        if not line.strip():
            out.append(line)
        elif line.startswith(old):
            out.append(new + line[len(old) :])
        else:
            out.append(new + line)
    return out


def _ensure_newline(piece: list[str]) -> list[str]:
    return piece[:-1] + [piece[-1] if piece[-1].endswith("\n") else piece[-1] + "\n"] if piece else piece


# --- mutations -----------------------------------------------------------------------------------


@st.composite
def _statement_at(draw, text: str, min_length: int = 1):
    candidates = [body for body in bodies(text) if len(body) >= min_length]
    if not candidates:
        return None, None
    body = draw(st.sampled_from(candidates))
    return body, draw(st.integers(0, len(body) - 1))


@st.composite
def _delete(draw, text: str) -> str:
    body, i = draw(_statement_at(text, min_length=2))
    if body is None:
        return text
    count = draw(st.integers(1, min(len(body) - i, len(body) - 1)))
    lines = _lines(text)
    return "".join(lines[: body[i].start] + lines[body[i + count - 1].end :])


@st.composite
def _duplicate(draw, text: str) -> str:
    body, i = draw(_statement_at(text))
    if body is None:
        return text
    lines = _lines(text)
    stmt = body[i]
    return "".join(lines[: stmt.end] + _ensure_newline(lines[stmt.start : stmt.end]) + lines[stmt.end :])


@st.composite
def _swap(draw, text: str) -> str:
    body, i = draw(_statement_at(text, min_length=2))
    if body is None:
        return text
    j = draw(st.integers(0, len(body) - 2))
    j = j if j < i else j + 1
    first, second = sorted((body[i], body[j]), key=lambda s: s.start)
    lines = _ensure_newline(_lines(text))
    return "".join(
        lines[: first.start]
        + lines[second.start : second.end]
        + lines[first.end : second.start]
        + lines[first.start : first.end]
        + lines[second.end :]
    )


@st.composite
def _insert(draw, text: str, piece: str, piece_indent: str = "") -> str:
    body, i = draw(_statement_at(text))
    if body is None:
        return text
    lines = _lines(text)
    stmt = body[i]
    at = stmt.end if draw(st.booleans()) else stmt.start
    new = _ensure_newline(_reindent(_lines(piece), piece_indent, stmt.indent))
    return "".join(_ensure_newline(lines[:at]) + new + lines[at:])


@st.composite
def _transplant(draw, text: str) -> str:
    """A statement of another real program, moved in next to one of this program's."""
    donor = draw(st.sampled_from(corpus()))
    body, i = draw(_statement_at(donor))
    if body is None:
        return text
    stmt = body[i]
    return draw(_insert(text, "".join(_lines(donor)[stmt.start : stmt.end]), stmt.indent))


@st.composite
def _generated(draw, text: str) -> str:
    piece = draw(small_generated_code())
    return draw(_insert(text, piece)) if piece.strip() else text


_IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")


@st.composite
def _rename(draw, text: str) -> str:
    names = sorted({name for name in _IDENTIFIER.findall(text) if not keyword.iskeyword(name)})
    if not names:
        return text
    old = draw(st.sampled_from(names))
    new = draw(
        st.sampled_from(DQN_NAMES)
        | st.from_regex(r"\A[a-z_][a-z0-9_]{0,8}\Z").filter(lambda name: not keyword.iskeyword(name))
    )
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


@st.composite
def _substitute(draw, text: str) -> str:
    present = [(old, new) for old, new in SUBSTITUTIONS if old in text]
    if not present:
        return text
    old, new = draw(st.sampled_from(present))
    starts = [match.start() for match in re.finditer(re.escape(old), text)]
    at = draw(st.sampled_from(starts))
    return text[:at] + new + text[at + len(old) :]


@st.composite
def _join_lines(draw, text: str) -> str:
    """Two lines as one: `a; b`, or `with x: y` after a header (kept only if it compiles)."""
    lines = _lines(text)
    if len(lines) < 2:
        return text
    i = draw(st.integers(0, len(lines) - 2))
    head = lines[i].rstrip("\n")
    joint = " " if head.rstrip().endswith(":") else "; "
    return "".join(lines[:i] + [head.rstrip() + joint + lines[i + 1].lstrip(" \t")] + lines[i + 2 :])


MUTATIONS = (_delete, _substitute, _rename, _duplicate, _swap, _transplant, _generated, _join_lines)


def _wrap(text: str, how: str) -> str:
    """The program inside a function or class (its `from __future__` imports stay on top)."""
    lines = _lines(text)
    future = [line for line in lines if line.startswith("from __future__")]
    rest = [line for line in lines if not line.startswith("from __future__")]
    header = {
        "def": "def wrapped(gamma=0.99):\n",
        "class": "class Wrapped:\n",
        "if": "if __name__ == '__main__':\n",
    }[how]
    return "".join(future + [header] + _ensure_newline(_reindent(rest, "", "    ")) + ["    pass\n"])


# --- layout --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    newline: str = "\n"
    encoding: str = "utf-8"  # "utf-8-sig" writes a BOM; "latin-1" adds a coding cookie
    indent: str = "    "  # one level; "\t    " puts a tab for the first level only, spaces below
    final_newline: bool = True


layouts = st.builds(
    Layout,
    newline=st.sampled_from(LINE_ENDINGS),
    encoding=st.sampled_from(("utf-8", "utf-8-sig", "latin-1")),
    indent=st.sampled_from(("    ", "\t", "  ", "\t    ")),
    final_newline=st.booleans(),
)


def _reindent_levels(text: str, indent: str) -> str:
    """Each leading 4 spaces as one `indent` ("\t    ": the first level a tab, the others spaces)."""
    if indent == "\t    ":
        return re.sub(r"(?m)^    ", "\t", text)
    return re.sub(r"(?m)^((?:    )+)", lambda match: indent * (len(match.group(1)) // 4), text)


def lay_out(text: str, layout: Layout) -> bytes:
    """`text` (LF line ends) as file bytes; a layout step that would not compile is left out."""
    if layout.indent != "    " and compiles(_reindent_levels(text, layout.indent)):
        text = _reindent_levels(text, layout.indent)
    if not layout.final_newline and compiles(text.rstrip("\n")):
        text = text.rstrip("\n")
    if "\r" not in text and compiles(text.replace("\n", layout.newline)):
        text = text.replace("\n", layout.newline)
    if layout.encoding == "utf-8-sig":
        return BOM + text.encode("utf-8")
    if layout.encoding == "latin-1":
        with_cookie = f"# -*- coding: latin-1 -*-{layout.newline}{text}"
        try:
            encoded = with_cookie.encode("latin-1")
        except UnicodeEncodeError:
            return text.encode("utf-8")
        return encoded if compiles(encoded) else text.encode("utf-8")
    return text.encode("utf-8")


def newline_of(text: str) -> str | None:
    """The one line ending `text` uses, None if it mixes them (or has none)."""
    used = {match.group() for match in re.finditer(r"\r\n|\r|\n", text)}
    return used.pop() if len(used) == 1 else None


# --- the strategies ------------------------------------------------------------------------------


# Built once: `from_grammar()` compiles a parser of the grammar (seconds). No auto-targeting: it
# would spend the example budget growing programs instead of varying them.
@cache
def _grammar_programs() -> st.SearchStrategy[str]:
    return hypothesmith.from_grammar(auto_target=False).filter(lambda code: len(code) <= MAX_GENERATED_CHARS)


def small_generated_code() -> st.SearchStrategy[str]:
    """hypothesmith programs, small and without bare CR line ends (they would renumber lines)."""
    return _grammar_programs().filter(lambda code: "\r" not in code)


@st.composite
def generated_programs(draw) -> bytes:
    """A hypothesmith program behind `HEADER`, laid out in a drawn way."""
    code = draw(_grammar_programs())
    text = HEADER + code
    if not compiles(text):  # a `from __future__` import, say, may not follow the header
        text = code if compiles(code) else HEADER
    return lay_out(text, draw(layouts))


@st.composite
def dqn_texts(draw, max_mutations: int = 6) -> str:
    """A real DQN program with up to `max_mutations` mutations, LF line ends; always compiles."""
    text = draw(st.sampled_from(buggy_corpus()) | st.sampled_from(corpus()))
    for _ in range(draw(st.integers(0, max_mutations))):
        mutation = draw(st.sampled_from(MUTATIONS))
        candidate = draw(mutation(text))
        if candidate != text and compiles(candidate):
            text = candidate
    wrap = draw(st.sampled_from((None, None, None, "def", "class", "if")))
    if wrap is not None and compiles(_wrap(text, wrap)):
        text = _wrap(text, wrap)
    return text


@st.composite
def dqn_programs(draw, max_mutations: int = 6) -> bytes:
    return lay_out(draw(dqn_texts(max_mutations)), draw(layouts))


def programs() -> st.SearchStrategy[bytes]:
    """Either kind; most draws are DQN-like, where the rules and their fixes have work to do."""
    return st.one_of(dqn_programs(), dqn_programs(), dqn_programs(), generated_programs())
