"""unified_diff: what `--diff` prints, line endings and all."""

from __future__ import annotations

from dqn_lint.fixes.diff import unified_diff

OLD = "import torch\n\ny = r + gamma * q_next\nloss = f(q, y)\n"
NEW = "import torch\n\ny = r + gamma * q_next * (1 - done)\nloss = f(q, y)\n"


def test_no_change_gives_an_empty_string() -> None:
    assert unified_diff(OLD, OLD, "train.py") == ""
    assert unified_diff("", "", "train.py") == ""


def test_one_line_change_gives_the_exact_ruff_style_diff() -> None:
    assert unified_diff(OLD, NEW, "train.py") == (
        "--- train.py\n"
        "+++ train.py\n"
        "@@ -1,4 +1,4 @@\n"
        " import torch\n"
        " \n"
        "-y = r + gamma * q_next\n"
        "+y = r + gamma * q_next * (1 - done)\n"
        " loss = f(q, y)\n"
    )


def test_context_limits_the_unchanged_lines_shown() -> None:
    old = "".join(f"line {n}\n" for n in range(1, 11))
    new = old.replace("line 5\n", "line five\n")
    assert unified_diff(old, new, "a/b.py", context=1) == (
        "--- a/b.py\n"
        "+++ a/b.py\n"
        "@@ -4,3 +4,3 @@\n"
        " line 4\n"
        "-line 5\n"
        "+line five\n"
        " line 6\n"
    )


def test_crlf_lines_keep_their_crlf_ending() -> None:
    old = "a = 1\r\nb = 2\r\n"
    new = "a = 1\r\nb = 3\r\n"
    assert unified_diff(old, new, "win.py") == (
        "--- win.py\n"
        "+++ win.py\n"
        "@@ -1,2 +1,2 @@\n"
        " a = 1\r\n"
        "-b = 2\r\n"
        "+b = 3\r\n"
    )


def test_lone_cr_ending_is_kept_and_followed_by_a_newline() -> None:
    diff = unified_diff("a\rb\r", "a\rc\r", "mac.py")
    assert diff.endswith(" a\r\n-b\r\n+c\r\n")


def test_missing_final_newline_gets_the_marker() -> None:
    assert unified_diff("x = 1\ny = 2", "x = 1\ny = 3", "t.py") == (
        "--- t.py\n"
        "+++ t.py\n"
        "@@ -1,2 +1,2 @@\n"
        " x = 1\n"
        "-y = 2\n"
        "\\ No newline at end of file\n"
        "+y = 3\n"
        "\\ No newline at end of file\n"
    )


def test_adding_the_final_newline_marks_only_the_old_side() -> None:
    assert unified_diff("x = 1", "x = 1\n", "t.py") == (
        "--- t.py\n"
        "+++ t.py\n"
        "@@ -1 +1 @@\n"
        "-x = 1\n"
        "\\ No newline at end of file\n"
        "+x = 1\n"
    )


def test_form_feed_and_unicode_separators_do_not_split_a_line() -> None:
    old = "a = 1\nb = 2 \x0c # page\nc = 3\u2028d\x1c\n"
    new = "a = 1\nb = 9 \x0c # page\nc = 3\u2028d\x1c\n"
    assert unified_diff(old, new, "ff.py") == (
        "--- ff.py\n"
        "+++ ff.py\n"
        "@@ -1,3 +1,3 @@\n"
        " a = 1\n"
        "-b = 2 \x0c # page\n"
        "+b = 9 \x0c # page\n"
        " c = 3\u2028d\x1c\n"
    )


def test_mixed_endings_each_line_ends_with_exactly_one_newline() -> None:
    assert unified_diff("a\r\nb\rc\nd", "a\r\nB\rc\nD", "mixed.py") == (
        "--- mixed.py\n"
        "+++ mixed.py\n"
        "@@ -1,4 +1,4 @@\n"
        " a\r\n"
        "-b\r\n"
        "+B\r\n"
        " c\n"
        "-d\n"
        "\\ No newline at end of file\n"
        "+D\n"
        "\\ No newline at end of file\n"
    )
