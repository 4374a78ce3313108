"""`add_noqa` (`--add-noqa`): every finding silenced on its statement's last line, the file otherwise
byte-for-byte as it was, and never written when the result would not do what it says."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import MISSING_TERMINAL_MASK, MISSING_TERMINAL_MASK_ROW
from dqn_lint import noqa_writer
from dqn_lint.engine import FILE_CODES, lint_path
from dqn_lint.noqa_writer import AddNoqaResult, add_noqa
from dqn_lint.registry import all_rules

RULES = all_rules()
TWINS = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "twins").glob("dqn*.py"))
TARGET_LINE = "        y = r + gamma * target(s2).max(1).values  # DQN004 here\n"
# No target network (DQN005) and no terminal mask (DQN004), both on one line.
TWO_ON_ONE_LINE = """\
import torch

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99


def learn(s, a, r, s2):
    with torch.no_grad():
        y = r + gamma * q_net(s2).max(1)[0]
    loss = torch.nn.functional.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def write(tmp_path: Path, content: str | bytes, name: str = "learn.py") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def codes_found(path: Path) -> list[str]:
    return [finding.code for finding in lint_path(path, path.name, RULES)]


def test_a_finding_gets_a_noqa_for_its_code_after_the_comment_already_on_its_line(tmp_path):
    path = write(tmp_path, MISSING_TERMINAL_MASK)
    assert add_noqa(path, "learn.py", RULES) == AddNoqaResult(added=1)
    line = path.read_text(encoding="utf-8").splitlines()[MISSING_TERMINAL_MASK_ROW - 1]
    assert line == TARGET_LINE.rstrip("\n") + "  # noqa: DQN004"
    assert codes_found(path) == []


def test_a_multi_line_statement_gets_the_noqa_on_its_last_line(tmp_path):
    multi_line = "        y = r + gamma * (\n            target(s2).max(1).values\n        )\n"
    path = write(tmp_path, MISSING_TERMINAL_MASK.replace(TARGET_LINE, multi_line))
    assert add_noqa(path, "learn.py", RULES).added == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[7:10] == [
        "        y = r + gamma * (",
        "            target(s2).max(1).values",
        "        )  # noqa: DQN004",
    ]
    assert codes_found(path) == []


def test_findings_of_one_line_share_one_directive_with_sorted_codes(tmp_path):
    path = write(tmp_path, TWO_ON_ONE_LINE)
    assert add_noqa(path, "learn.py", RULES).added == 2
    assert "        y = r + gamma * q_net(s2).max(1)[0]  # noqa: DQN004, DQN005\n" in path.read_text(encoding="utf-8")


def test_an_existing_directive_with_codes_gets_the_new_codes_appended(tmp_path):
    source = MISSING_TERMINAL_MASK.replace("  # DQN004 here\n", "  # noqa: E501 long line\n")
    path = write(tmp_path, source)
    assert add_noqa(path, "learn.py", RULES).added == 1
    assert "max(1).values  # noqa: E501, DQN004 long line\n" in path.read_text(encoding="utf-8")


def test_a_bare_noqa_already_silences_the_line_so_nothing_is_added(tmp_path):
    source = MISSING_TERMINAL_MASK.replace("  # DQN004 here\n", "  # noqa\n")
    path = write(tmp_path, source)
    assert add_noqa(path, "learn.py", RULES) == AddNoqaResult()
    assert path.read_text(encoding="utf-8") == source


def test_a_second_run_adds_nothing_and_leaves_the_file_unchanged(tmp_path):
    path = write(tmp_path, TWO_ON_ONE_LINE)
    add_noqa(path, "learn.py", RULES)
    once = path.read_bytes()
    assert add_noqa(path, "learn.py", RULES) == AddNoqaResult(added=0)
    assert path.read_bytes() == once


def test_crlf_and_mixed_line_endings_are_kept_line_by_line(tmp_path):
    lines = MISSING_TERMINAL_MASK.splitlines(keepends=True)
    endings = ["\r\n", "\n", "\r\n", "\r"]
    mixed = "".join(line.rstrip("\n") + endings[index % len(endings)] for index, line in enumerate(lines))
    path = write(tmp_path, mixed)
    assert add_noqa(path, "learn.py", RULES).added == 1
    row = MISSING_TERMINAL_MASK_ROW - 1
    expected = "".join(
        line.rstrip("\n") + ("  # noqa: DQN004" if index == row else "") + endings[index % len(endings)]
        for index, line in enumerate(lines)
    )
    assert path.read_bytes() == expected.encode("utf-8")


def test_a_bom_is_kept(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + MISSING_TERMINAL_MASK.encode("utf-8"))
    assert add_noqa(path, "learn.py", RULES).added == 1
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf" * 2)
    assert data.count(b"# noqa: DQN004") == 1


def test_a_coding_cookie_and_its_encoding_are_kept(tmp_path):
    source = "# -*- coding: latin-1 -*-\n" + MISSING_TERMINAL_MASK.replace("# DQN004 here", "# café")
    path = write(tmp_path, source.encode("latin-1"))
    assert add_noqa(path, "learn.py", RULES).added == 1
    assert path.read_bytes() == source.replace("# café", "# café  # noqa: DQN004").encode("latin-1")


def test_permissions_are_kept(tmp_path):
    path = write(tmp_path, MISSING_TERMINAL_MASK)
    path.chmod(0o640)
    assert add_noqa(path, "learn.py", RULES).added == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_read_only_file_is_left_unchanged_with_an_error(tmp_path):
    path = write(tmp_path, MISSING_TERMINAL_MASK)
    path.chmod(0o444)
    try:
        result = add_noqa(path, "learn.py", RULES)
    finally:
        path.chmod(0o644)
    assert result.added == 0
    assert result.error is not None and "read-only" in result.error
    assert path.read_text(encoding="utf-8") == MISSING_TERMINAL_MASK


def test_a_file_that_cannot_be_read_is_an_error(tmp_path):
    result = add_noqa(tmp_path, "folder", RULES)
    assert result.added == 0 and result.error is not None


def test_file_problems_and_dqn100_are_not_silenced(tmp_path):
    broken = write(tmp_path, "import torch\ngamma = 0.99\ndef learn(:\n", "broken.py")
    assert add_noqa(broken, "broken.py", RULES) == AddNoqaResult()
    assert codes_found(broken) == ["DQN900"]
    stale = "import json  # noqa: DQN003\n"
    unused = write(tmp_path, stale, "unused.py")
    assert add_noqa(unused, "unused.py", RULES) == AddNoqaResult()
    assert unused.read_text(encoding="utf-8") == stale


def test_a_file_without_findings_is_not_touched(tmp_path):
    path = write(tmp_path, MISSING_TERMINAL_MASK.replace("max(1).values  # DQN004 here", "max(1).values * (1 - done)"))
    before = path.stat().st_mtime_ns
    assert add_noqa(path, "learn.py", RULES) == AddNoqaResult()
    assert path.stat().st_mtime_ns == before


def test_a_noqa_that_would_not_silence_its_finding_is_refused_and_the_file_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(noqa_writer, "noqa_row", lambda finding: 1)  # a row outside the statement
    path = write(tmp_path, MISSING_TERMINAL_MASK)
    result = add_noqa(path, "learn.py", RULES)
    assert result.added == 0
    assert result.error == "a noqa comment would not silence DQN004 at line 8; the file was left unchanged"
    assert path.read_text(encoding="utf-8") == MISSING_TERMINAL_MASK


def test_a_result_that_does_not_parse_is_refused_and_the_file_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(noqa_writer, "_line_with_codes", lambda line, directive, codes: "    )\n")
    path = write(tmp_path, MISSING_TERMINAL_MASK)
    result = add_noqa(path, "learn.py", RULES)
    assert result.added == 0 and result.error is not None and "no longer parse" in result.error
    assert path.read_text(encoding="utf-8") == MISSING_TERMINAL_MASK


@pytest.mark.parametrize("twin", TWINS, ids=lambda path: path.name)
def test_every_buggy_twin_lints_clean_afterwards(tmp_path, twin):
    path = tmp_path / twin.name
    shutil.copyfile(twin, path)
    found = [code for code in codes_found(path) if code not in FILE_CODES]
    assert found, "the twin must have findings to silence"
    result = add_noqa(path, twin.name, RULES)
    assert result == AddNoqaResult(added=len(found))
    assert codes_found(path) == []
    assert os.access(path, os.R_OK)


def _finding_on(row: int, code: str = "DQN004"):
    from dqn_lint.diagnostics import Finding, Position, Severity, Span

    where = Span(Position(row, 1), Position(row, 2))
    return Finding(code, "rule", "message", Severity.ERROR, where, statement_rows=(row, row))


def test_with_noqa_adds_nothing_to_a_line_with_a_bare_noqa_or_with_the_code_already():
    text = "x = 1  # noqa\ny = 2  # noqa: DQN004\nz = 3\n"
    new_text, added = noqa_writer.with_noqa(text, [_finding_on(1), _finding_on(2), _finding_on(3, "DQN003")])
    assert (new_text, added) == ("x = 1  # noqa\ny = 2  # noqa: DQN004\nz = 3  # noqa: DQN003\n", 1)


def test_with_noqa_drops_trailing_spaces_before_the_new_comment_and_handles_a_last_line_without_newline():
    new_text, added = noqa_writer.with_noqa("x = 1\ny = 2   ", [_finding_on(2)])
    assert (new_text, added) == ("x = 1\ny = 2  # noqa: DQN004", 1)
