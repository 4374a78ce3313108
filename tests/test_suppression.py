"""`# noqa` comments: which findings they silence, read from comment tokens only."""

from __future__ import annotations

from dqn_lint.diagnostics import Finding, Position, Severity, Span
from dqn_lint.suppression import read_suppressions


def finding(code: str, row: int, end_row: int | None = None, statement_rows: tuple[int, int] | None = None) -> Finding:
    return Finding(
        code=code,
        name="some-rule",
        message="message",
        severity=Severity.ERROR,
        span=Span(Position(row, 5), Position(end_row or row, 9)),
        statement_rows=statement_rows,
    )


def silenced(source: str, found: Finding) -> bool:
    return read_suppressions(source).silences(found)


def test_a_bare_noqa_silences_every_code_on_its_line():
    source = "y = r + gamma * q  # noqa\n"
    assert silenced(source, finding("DQN004", 1))
    assert silenced(source, finding("DQN001", 1))


def test_a_noqa_with_a_code_silences_only_that_code():
    source = "y = r + gamma * q  # noqa: DQN004\n"
    assert silenced(source, finding("DQN004", 1))
    assert not silenced(source, finding("DQN003", 1))


def test_a_noqa_lists_several_codes_with_commas_or_spaces():
    source = "a = 1  # noqa: DQN001, DQN003 DQN004\n"
    assert all(silenced(source, finding(code, 1)) for code in ("DQN001", "DQN003", "DQN004"))
    assert not silenced(source, finding("DQN002", 1))


def test_noqa_codes_are_read_without_regard_to_case_or_spacing():
    assert silenced("a = 1  # NOQA:dqn004\n", finding("DQN004", 1))
    assert silenced("a = 1  #noqa:DQN004,DQN001\n", finding("DQN001", 1))


def test_a_noqa_for_another_tools_code_does_not_silence_ours():
    assert not silenced("a = 1  # noqa: E501\n", finding("DQN004", 1))


def test_text_after_the_codes_is_an_explanation_not_a_code():
    source = "a = 1  # noqa: DQN004 gamma is zero on purpose here\n"
    assert silenced(source, finding("DQN004", 1))
    assert not silenced(source, finding("DQN001", 1))


def test_noqa_after_another_comment_on_the_same_line_counts():
    assert silenced("a = 1  # type: ignore  # noqa: DQN004\n", finding("DQN004", 1))


def test_a_noqa_on_another_line_does_not_silence():
    source = "a = 1  # noqa\nb = 2\n"
    assert not silenced(source, finding("DQN004", 2))


def test_a_noqa_inside_a_string_is_not_a_comment():
    source = 'message = "# noqa"\n'
    assert not silenced(source, finding("DQN004", 1))


def test_a_noqa_on_any_line_of_the_statement_silences_a_finding_on_another_line():
    source = "y = (\n    r + gamma * q\n)  # noqa: DQN004\n"
    assert silenced(source, finding("DQN004", 2, statement_rows=(1, 3)))


def test_a_noqa_on_the_first_line_of_the_statement_silences_a_finding_below():
    source = "y = (  # noqa\n    r + gamma * q\n)\n"
    assert silenced(source, finding("DQN004", 2, statement_rows=(1, 3)))


def test_without_statement_rows_the_span_rows_are_the_statement():
    source = "y = (\n    r\n    + gamma * q  # noqa: DQN004\n)\n"
    assert silenced(source, finding("DQN004", 2, end_row=3))
    assert not silenced(source, finding("DQN004", 2))


def test_a_noqa_outside_the_statement_does_not_silence():
    source = "x = 0  # noqa\ny = (\n    r + gamma * q\n)\n"
    assert not silenced(source, finding("DQN004", 3, statement_rows=(2, 4)))


def test_a_file_level_noqa_skips_the_whole_file():
    source = "# dqn-lint: noqa\nimport torch\ny = r + gamma * q\n"
    suppressions = read_suppressions(source)
    assert suppressions.skips_file
    assert suppressions.silences(finding("DQN004", 3))


def test_a_file_level_noqa_with_codes_silences_those_codes_everywhere():
    source = "import torch\n# dqn-lint: noqa: DQN004, DQN005\ny = r + gamma * q\n"
    suppressions = read_suppressions(source)
    assert not suppressions.skips_file
    assert suppressions.silences(finding("DQN004", 3))
    assert suppressions.silences(finding("DQN005", 1))
    assert not suppressions.silences(finding("DQN003", 3))


def test_a_file_level_noqa_must_stand_on_a_line_of_its_own():
    source = "y = r + gamma * q  # dqn-lint: noqa\nz = 1\n"
    suppressions = read_suppressions(source)
    assert not suppressions.skips_file
    assert not suppressions.silences(finding("DQN004", 2))


def test_an_indented_file_level_noqa_still_counts():
    source = "def f():\n    # dqn-lint: noqa\n    return 1\n"
    assert read_suppressions(source).skips_file


def test_a_file_without_noqa_silences_nothing():
    suppressions = read_suppressions("import torch\ny = r + gamma * q\n")
    assert not suppressions.skips_file
    assert not suppressions.silences(finding("DQN004", 2))


def test_noqa_comments_before_a_tokenize_error_are_still_read():
    source = "a = 1  # noqa: DQN004\nb = (\n"
    assert silenced(source, finding("DQN004", 1))


def test_noqa_comments_are_read_from_crlf_files():
    source = "a = 1\r\nb = 2  # noqa: DQN004\r\n"
    assert silenced(source, finding("DQN004", 2))
    assert not silenced(source, finding("DQN004", 1))


def test_noqa_rows_count_a_lone_carriage_return_as_a_line_end_as_the_parser_does():
    source = "a = 1\rb = 2  # noqa: DQN004\rc = 3\n"
    assert silenced(source, finding("DQN004", 2))
    assert not silenced(source, finding("DQN004", 1))


# --- directives located on their line, for DQN100 and --add-noqa -----------------------------------


def test_a_directive_records_where_it_and_its_codes_are_on_the_line():
    line = "y = r  # type: ignore  # noqa: DQN004, e501 reason"
    [directive] = read_suppressions(line + "\n").directives
    assert directive.row == 1
    assert line[directive.start : directive.end] == "# noqa: DQN004, e501"
    assert line[directive.codes_start : directive.codes_end] == "DQN004, e501"
    assert directive.codes == ("DQN004", "e501")
    assert directive.comment_end == len(line)


def test_a_bare_directive_has_no_codes():
    [directive] = read_suppressions("x = 1  # noqa\n").directives
    assert directive.is_bare and directive.codes == ()


def test_directive_offsets_count_characters_not_bytes():
    line = 's = "γγ"  # noqa: DQN004'
    [directive] = read_suppressions(line + "\n").directives
    assert line[directive.start :] == "# noqa: DQN004"


def test_file_directives_and_noqa_in_strings_are_not_line_directives():
    source = '# dqn-lint: noqa: DQN003\nmessage = "# noqa: DQN004"\n'
    assert read_suppressions(source).directives == ()


def test_directive_on_finds_the_directive_of_a_row():
    suppressions = read_suppressions("a = 1\nb = 2  # noqa: DQN004\n")
    assert suppressions.directive_on(1) is None
    assert suppressions.directive_on(2).codes == ("DQN004",)


def test_silenced_by_names_every_directive_of_the_statement_that_silences_the_finding():
    source = "y = (  # noqa: DQN004\n    r + gamma * q  # noqa: DQN001\n)  # noqa\n"
    used = read_suppressions(source).silenced_by(finding("DQN004", 2, statement_rows=(1, 3)))
    assert used == {(1, "DQN004"), (3, "*")}


def test_silenced_by_ignores_file_directives():
    suppressions = read_suppressions("# dqn-lint: noqa: DQN004\ny = r + gamma * q\n")
    assert suppressions.silences(finding("DQN004", 2))
    assert suppressions.silenced_by(finding("DQN004", 2)) == frozenset()
