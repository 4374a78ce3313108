"""The CI output formats: sarif, github, junit, grouped, and the --statistics table.

Findings come from real lint runs over fixtures/twins (the twins are buggy on purpose) or are made
by hand for the edge cases: escaping, control characters, odd paths, fixes and related notes.
SARIF is validated against the official 2.1.0 schema kept in tests/data.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from dqn_lint import engine, registry
from dqn_lint.diagnostics import Applicability, Edit, Finding, Fix, Position, Related, Severity, Span
from dqn_lint.reporters import OUTPUT_FORMATS, ReportContext, render
from dqn_lint.reporters.statistics import render_statistics

REPO = Path(__file__).resolve().parent.parent
TWINS = sorted((REPO / "fixtures" / "twins").glob("dqn*.py"))
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


# --- helpers -----------------------------------------------------------------------------------


def span(row: int, column: int, end_row: int, end_column: int) -> Span:
    return Span(Position(row, column), Position(end_row, end_column))


def finding(
    code: str = "DQN004",
    *,
    filename: str = "train.py",
    where: Span = span(8, 13, 8, 49),
    message: str = "no terminal mask",
    severity: Severity = Severity.ERROR,
    name: str | None = None,
    related: tuple[Related, ...] = (),
    fix: Fix | None = None,
) -> Finding:
    names = {"DQN001": "target-aliases-online", "DQN003": "truncation-as-termination", "DQN004": "missing-terminal-mask"}
    return Finding(
        code=code,
        name=name or names.get(code, "some-rule"),
        message=message,
        severity=severity,
        span=where,
        filename=filename,
        related=related,
        fix=fix,
    )


def safe_fix(where: Span = span(8, 13, 8, 49)) -> Fix:
    return Fix(Applicability.SAFE, "mask it", (Edit("x * (1 - done)", where),))


def output(output_format: str, findings: list[Finding], **kwargs: object) -> str:
    stream = io.StringIO()
    render(output_format, findings, stream, **kwargs)  # type: ignore[arg-type]
    return stream.getvalue()


@cache
def _twin_findings() -> tuple[Finding, ...]:
    """The twins linted by the engine with the real rules, display paths relative to the repo."""
    found: list[Finding] = []
    for path in TWINS:
        found.extend(engine.lint_path(path, path.relative_to(REPO).as_posix(), registry.all_rules()))
    return tuple(found)


@pytest.fixture
def twin_findings(monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(REPO)
    found = list(_twin_findings())
    assert {f.code for f in found} == {rule.code for rule in registry.all_rules() if rule.experiment is not None}
    return found


def twin(findings: list[Finding], code: str) -> Finding:
    return next(f for f in findings if f.code == code)


def run_check(*args: str) -> str:
    """`python -m dqn_lint check ARGS --exit-zero` from the repository root: its stdout."""
    completed = subprocess.run(
        [sys.executable, "-m", "dqn_lint", "check", *args, "--exit-zero"],
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


# --- SARIF -------------------------------------------------------------------------------------

_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI_CHARS.match(value))


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or (_is_uri_reference(value) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value)))


@cache
def _sarif_validator():  # type: ignore[no-untyped-def]
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # jsonschema checks no "uri" format without extra packages: check the RFC 3986 characters here.
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(_is_uri)
    checker.checks("uri-reference")(_is_uri_reference)
    return cls(schema, format_checker=checker)


def assert_valid_sarif(text: str) -> dict:
    document = json.loads(text)
    errors = sorted(_sarif_validator().iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return document


def sarif(findings: list[Finding], context: ReportContext = ReportContext()) -> dict:
    return assert_valid_sarif(output("sarif", findings, context=context))


def region_of(where: Span) -> dict[str, int]:
    return {"startLine": where.start.row, "startColumn": where.start.column, "endLine": where.end.row, "endColumn": where.end.column}


def test_the_validator_rejects_a_broken_sarif_log() -> None:
    """Guards the guard: the schema really is enforced (a region column of 0, a bad level)."""
    document = sarif([finding()])
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    document["runs"][0]["results"][0]["level"] = "fatal"
    errors = list(_sarif_validator().iter_errors(document))
    assert len(errors) == 2
    assert not _is_uri_reference("my dir/a.py") and not _is_uri("fixtures/a.py")


def test_sarif_of_the_twins_through_the_cli_is_valid_and_matches_the_findings(twin_findings: list[Finding]) -> None:
    document = assert_valid_sarif(run_check("fixtures/twins", "--output-format", "sarif"))
    (run,) = document["runs"]
    assert run["tool"]["driver"]["name"] == "dqn-lint"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    assert len(run["results"]) == len(twin_findings) == len(TWINS)
    for result, item in zip(run["results"], twin_findings, strict=True):
        assert result["ruleId"] == item.code
        assert result["level"] == item.severity.value
        assert result["message"]["text"] == item.message
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": item.filename, "uriBaseId": "%SRCROOT%"}
        assert location["region"] == region_of(item.span)


def test_sarif_lists_every_rule_and_file_code_even_with_no_findings() -> None:
    run = sarif([])["runs"][0]
    assert run["results"] == []
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True}]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == [rule.code for rule in registry.all_rules()] + ["DQN900", "DQN901", "DQN902", "DQN903"]
    assert set(ids) >= engine.FILE_CODES
    dqn005 = rules[ids.index("DQN005")]
    real = registry.rule_by_code("DQN005")
    assert dqn005["name"] == real.name
    assert dqn005["shortDescription"]["text"] == real.summary
    assert dqn005["help"]["markdown"] == real.page()
    assert dqn005["defaultConfiguration"]["level"] == real.severity.value


def test_every_sarif_result_rule_index_points_at_the_rule_with_its_id(twin_findings: list[Finding]) -> None:
    parse_error = engine.lint_text("def f(:\n    pass\n", "broken.py", registry.all_rules())
    unknown = finding("XYZ123", name="plugin-rule", filename="plugin.py")
    run = sarif([*twin_findings, *parse_error, unknown])["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({rule["id"] for rule in rules}) == len(rules)
    assert [result["ruleId"] for result in run["results"]] == [f.code for f in (*twin_findings, *parse_error, unknown)]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert rules[-1] == {
        "id": "XYZ123",
        "name": "plugin-rule",
        "shortDescription": {"text": "plugin-rule"},
        "defaultConfiguration": {"level": "error"},
    }


def test_sarif_regions_copy_our_exclusive_end_columns(twin_findings: list[Finding]) -> None:
    """Our end column is one past the last character (libcst's exclusive CodeRange end, made
    1-based), which is SARIF's endColumn: the region's text is exactly the flagged code."""
    dqn001 = twin(twin_findings, "DQN001")
    result = sarif([dqn001])["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == region_of(dqn001.span) == {"startLine": 169, "startColumn": 5, "endLine": 169, "endColumn": 20}
    line = (REPO / dqn001.filename).read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == "target = online"
    deleted = result["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    assert line[deleted["startColumn"] - 1 : deleted["endColumn"] - 1] == "online"


def test_sarif_fix_becomes_replacements_and_related_notes_become_related_locations() -> None:
    fix = Fix(
        Applicability.UNSAFE,
        "mask the bootstrap with `terminated`",
        (Edit("terminated", span(12, 20, 12, 24)), Edit("", span(14, 1, 15, 1)), Edit("import torch\n", span(1, 1, 1, 1))),
    )
    related = (Related("the flag comes from here", span(5, 5, 5, 9)), Related("and is masked here", span(12, 20, 12, 24)))
    item = finding("DQN003", where=span(5, 5, 5, 30), related=related, fix=fix)
    result = sarif([item])["runs"][0]["results"][0]
    location = {"uri": "train.py", "uriBaseId": "%SRCROOT%"}
    assert result["relatedLocations"] == [
        {"id": 1, "message": {"text": "the flag comes from here"}, "physicalLocation": {"artifactLocation": location, "region": region_of(span(5, 5, 5, 9))}},
        {"id": 2, "message": {"text": "and is masked here"}, "physicalLocation": {"artifactLocation": location, "region": region_of(span(12, 20, 12, 24))}},
    ]
    assert result["fixes"] == [
        {
            "description": {"text": "mask the bootstrap with `terminated`"},
            "artifactChanges": [
                {
                    "artifactLocation": location,
                    "replacements": [
                        {"deletedRegion": region_of(edit.span), "insertedContent": {"text": edit.content}} for edit in fix.edits
                    ],
                }
            ],
            "properties": {"applicability": "unsafe"},
        }
    ]
    assert result["properties"]["fixable"] is False
    assert sarif([item], ReportContext(unsafe_fixes=True))["runs"][0]["results"][0]["properties"]["fixable"] is True


def test_sarif_gives_no_fixes_for_a_fix_without_edits_and_no_related_key_without_notes() -> None:
    advice = finding(fix=Fix(Applicability.DISPLAY_ONLY, "consider a target network"))
    result = sarif([advice])["runs"][0]["results"][0]
    assert "fixes" not in result and "relatedLocations" not in result


def test_sarif_reports_a_parse_error_at_its_position_under_the_file_code() -> None:
    (parse_error,) = engine.lint_text("x = 1\ndef f(:\n    pass\n", "broken.py", registry.all_rules())
    assert parse_error.code == "DQN900"
    run = sarif([parse_error])["runs"][0]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["name"] == "parse-error"
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"] == region_of(parse_error.span)
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_percent_encodes_a_relative_path_with_a_space_and_non_ascii(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    item = finding(filename=os.path.join("my dir", "réseau γ#1.py"), message="γ is 0.99 — ok")
    text = output("sarif", [item])
    assert text.isascii()
    run = assert_valid_sarif(text)["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20dir/r%C3%A9seau%20%CE%B3%231.py", "uriBaseId": "%SRCROOT%"}
    assert unquote(location["uri"]) == "my dir/réseau γ#1.py"
    assert run["results"][0]["message"]["text"] == "γ is 0.99 — ok"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.as_uri() + "/" and base.endswith("/")


def test_sarif_gives_files_outside_the_working_directory_absolute_file_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inside = tmp_path / "project"
    inside.mkdir()
    monkeypatch.chdir(inside)
    outside = tmp_path / "other place" / "train.py"
    items = [finding(filename=str(outside)), finding(filename=os.path.join("..", "other place", "train.py")), finding(filename=str(inside / "a.py"))]
    run = sarif(items)["runs"][0]
    locations = [result["locations"][0]["physicalLocation"]["artifactLocation"] for result in run["results"]]
    assert locations[0] == locations[1] == {"uri": outside.as_uri()}
    assert "%20" in locations[0]["uri"] and urlsplit(locations[0]["uri"]).scheme == "file"
    assert unquote(urlsplit(locations[0]["uri"]).path) == outside.as_posix()
    assert locations[2] == {"uri": "a.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_result_carries_the_evidence_line_after_verify() -> None:
    class Evidence:
        def headline(self) -> str:
            return "confirmed on CartPole-v1, 5 seeds"

    result = sarif([finding()], ReportContext(evidence={"DQN004": Evidence()}))["runs"][0]["results"][0]
    assert result["properties"]["evidence"] == "confirmed on CartPole-v1, 5 seeds"


# --- GitHub annotations ------------------------------------------------------------------------


def test_github_annotation_for_the_dqn001_twin_is_exact(twin_findings: list[Finding]) -> None:
    dqn001 = twin(twin_findings, "DQN001")
    assert "%" not in dqn001.message and "\n" not in dqn001.message
    lines = output("github", twin_findings).splitlines()
    assert len(lines) == len(twin_findings)
    assert lines[0] == (
        "::error file=fixtures/twins/dqn001_target_aliases_online.py,line=169,col=5,endLine=169,endColumn=20,"
        "title=DQN001 target-aliases-online::" + dqn001.message
    )


def test_github_uses_warning_for_warnings_and_error_for_errors(twin_findings: list[Finding]) -> None:
    lines = output("github", twin_findings).splitlines()
    for item, line in zip(twin_findings, lines, strict=True):
        command = "::warning " if item.severity is Severity.WARNING else "::error "
        assert line.startswith(command + f"file={item.filename},")
    assert any(line.startswith("::warning ") for line in lines) and any(line.startswith("::error ") for line in lines)


def test_github_escapes_property_values_and_the_message() -> None:
    item = finding(filename="odd,name:100%.py", message="50% done\r\nnext::x, y", name="a,b")
    assert output("github", [item]) == (
        "::error file=odd%2Cname%3A100%25.py,line=8,col=13,endLine=8,endColumn=49,title=DQN004 a%2Cb"
        "::50%25 done%0D%0Anext::x, y\n"
    )


def _unescape(value: str) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m.group(1)], value)


@pytest.mark.parametrize("text", ["plain", "%0A literal", "a\nb\rc", "::error file=x::boom", "%%,:,::%25"])
def test_github_escaping_round_trips_through_the_runner_parsing(text: str) -> None:
    """Parse as the runner does: properties split at `,` and `=`, message after the first `::`."""
    (line,) = output("github", [finding(filename=text, message=text)]).splitlines()
    command, _, message = line[2:].partition("::")
    properties = dict(pair.split("=", 1) for pair in command.split(" ", 1)[1].split(","))
    assert _unescape(properties["file"]) == text
    assert _unescape(message) == text


def test_github_prints_no_summary_and_ignores_quiet() -> None:
    assert output("github", []) == ""
    items = [finding(), finding("DQN001", filename="b.py")]
    assert output("github", items, quiet=True) == output("github", items) != ""
    assert len(output("github", items).splitlines()) == 2


# --- JUnit -------------------------------------------------------------------------------------


def junit(findings: list[Finding]) -> ET.Element:
    text = output("junit", findings)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_junit_of_the_twins_has_one_suite_per_file_and_one_failure_per_finding(twin_findings: list[Finding]) -> None:
    root = junit(twin_findings)
    assert root.tag == "testsuites"
    count = str(len(TWINS))
    assert root.attrib == {"name": "dqn-lint", "tests": count, "failures": count, "errors": "0"}
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == [item.filename for item in twin_findings]
    for suite, item in zip(suites, twin_findings, strict=True):
        assert suite.get("tests") == suite.get("failures") == "1"
        assert suite.get("package") == "org.dqn-lint"
        (case,) = suite.findall("testcase")
        start = item.span.start
        assert case.attrib == {
            "name": f"org.dqn-lint.{item.code}",
            "classname": item.filename.removesuffix(".py"),
            "line": str(start.row),
            "column": str(start.column),
        }
        (failure,) = case.findall("failure")
        assert failure.get("message") == item.message
        assert failure.text == f"line {start.row}, col {start.column}, {item.message}"


def test_junit_groups_findings_of_one_file_into_one_suite() -> None:
    items = [finding(filename="pkg/a.py"), finding("DQN001", filename="pkg/a.py", where=span(9, 1, 9, 5)), finding(filename="b.py")]
    root = junit(items)
    assert root.get("tests") == root.get("failures") == "3"
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), len(s.findall("testcase"))) for s in suites] == [("pkg/a.py", "2", 2), ("b.py", "1", 1)]
    assert [case.get("name") for case in suites[0]] == ["org.dqn-lint.DQN004", "org.dqn-lint.DQN001"]
    assert suites[0][0].get("classname") == "pkg/a"


def test_junit_with_no_findings_is_one_passing_case() -> None:
    root = junit([])
    assert root.attrib == {"name": "dqn-lint", "tests": "1", "failures": "0", "errors": "0"}
    (suite,) = root.findall("testsuite")
    assert suite.get("failures") == "0" and suite.get("tests") == "1"
    (case,) = suite.findall("testcase")
    assert case.get("name") == "No errors found"
    assert list(case) == []


def test_junit_stays_well_formed_with_control_characters_markup_and_non_ascii() -> None:
    message = 'bell\x07 esc\x1b[0m nul\x00 <tag attr="v"> & γ\ttab\nline'
    filename = "dir\x0b/undecodable\udcff.py"
    text = output("junit", [finding(filename=filename, message=message)])
    assert text.isascii()
    root = ET.fromstring(text.encode("utf-8"))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == 'bell\\x07 esc\\x1b[0m nul\\x00 <tag attr="v"> & γ\ttab\nline'
    assert failure.text is not None and failure.text.startswith("line 8, col 13, bell\\x07")
    assert root.find("testsuite").get("name") == "dir\\x0b/undecodable\\udcff.py"  # type: ignore[union-attr]


# --- grouped -----------------------------------------------------------------------------------


def test_grouped_prints_each_file_once_with_aligned_positions_and_the_summary() -> None:
    items = [
        finding(filename="train.py", where=span(8, 13, 8, 49), fix=safe_fix()),
        finding("DQN003", filename="train.py", where=span(120, 5, 120, 9), message="truncation masks"),
        finding("DQN001", filename="agent/net.py", where=span(3, 1, 3, 9), message="alias", fix=Fix(Applicability.UNSAFE, "copy", (Edit("c", span(3, 1, 3, 2)),))),
    ]
    assert output("grouped", items) == (
        "train.py:\n"
        "    8:13 DQN004 [*] no terminal mask\n"
        "  120:5  DQN003 truncation masks\n"
        "\n"
        "agent/net.py:\n"
        "  3:1 DQN001 alias\n"
        "\n"
        "Found 3 errors.\n"
        "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert "  3:1 DQN001 [*] alias\n" in output("grouped", items, context=ReportContext(unsafe_fixes=True))


def test_grouped_keeps_the_twin_files_in_order(twin_findings: list[Finding]) -> None:
    lines = output("grouped", twin_findings).splitlines()
    headers = [line for line in lines if line and not line.startswith(" ")][: len(twin_findings)]
    assert headers == [f"{item.filename}:" for item in twin_findings]
    dqn004 = twin(twin_findings, "DQN004")
    assert f"  {dqn004.span.start.row}:{dqn004.span.start.column} DQN004 {dqn004.message}" in lines
    errors = sum(item.severity is Severity.ERROR for item in twin_findings)
    warnings = len(twin_findings) - errors
    found = lines.index(f"Found {errors} errors and {warnings} warnings.")
    assert lines[found - 1] == "" and lines[found - 2].startswith("  ")


def test_grouped_merges_a_file_whose_findings_are_interleaved() -> None:
    items = [finding(filename="a.py"), finding(filename="b.py"), finding("DQN001", filename="a.py", message="alias")]
    headers = [line for line in output("grouped", items, quiet=True).splitlines() if line.endswith(":")]
    assert headers == ["a.py:", "b.py:"]


def test_grouped_quiet_drops_the_summary_and_the_trailing_blank_line() -> None:
    assert output("grouped", [finding()], quiet=True) == "train.py:\n  8:13 DQN004 no terminal mask\n"
    assert output("grouped", [], quiet=True) == ""
    assert output("grouped", []) == "All checks passed!\n"


# --- statistics --------------------------------------------------------------------------------


def statistics(findings: list[Finding], output_format: str = "concise", **context: bool) -> str:
    stream = io.StringIO()
    render_statistics(findings, stream, context=ReportContext(**context), output_format=output_format)
    return stream.getvalue()


def _mixed() -> list[Finding]:
    unsafe = Fix(Applicability.UNSAFE, "copy", (Edit("c", span(1, 1, 1, 2)),))
    return [
        finding("DQN001", filename="a.py", fix=unsafe),
        *[finding("DQN004", filename=f"{n}.py", fix=safe_fix()) for n in "abc"],
        *[finding("DQN003", filename=f"{n}.py", fix=safe_fix() if n != "b" else None) for n in "abc"],
        finding("DQN900", name="parse-error", filename="z.py"),
        finding("DQN005", name="bootstrap-from-online", severity=Severity.WARNING, filename="z.py"),
        finding("DQN005", name="bootstrap-from-online", severity=Severity.WARNING, filename="y.py"),
    ]


def test_statistics_sorts_by_count_then_code_and_marks_codes_whose_every_finding_is_fixable() -> None:
    assert statistics(_mixed()) == (
        "3\tDQN003\t[ ] truncation-as-termination\n"
        "3\tDQN004\t[*] missing-terminal-mask\n"
        "2\tDQN005\t[ ] bootstrap-from-online\n"
        "1\tDQN001\t[ ] target-aliases-online\n"
        "1\tDQN900\t[ ] parse-error\n"
        "Found 8 errors and 2 warnings.\n"
        "[*] 5 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert "1\tDQN001\t[*] target-aliases-online\n" in statistics(_mixed(), unsafe_fixes=True)


def test_statistics_aligns_counts_and_codes_and_omits_the_marker_column_when_nothing_is_fixable() -> None:
    items = [finding("DQN004", filename=f"{n}.py") for n in range(12)] + [finding("DQN9001", name="long-code")]
    assert statistics(items, "full").splitlines()[:2] == ["12\tDQN004 \tmissing-terminal-mask", " 1\tDQN9001\tlong-code"]


def test_statistics_in_json_is_a_list_of_code_name_count_fixable() -> None:
    rows = json.loads(statistics(_mixed(), "json"))
    assert rows == [
        {"code": "DQN003", "name": "truncation-as-termination", "count": 3, "fixable": False},
        {"code": "DQN004", "name": "missing-terminal-mask", "count": 3, "fixable": True},
        {"code": "DQN005", "name": "bootstrap-from-online", "count": 2, "fixable": False},
        {"code": "DQN001", "name": "target-aliases-online", "count": 1, "fixable": False},
        {"code": "DQN900", "name": "parse-error", "count": 1, "fixable": False},
    ]
    assert json.loads(statistics([], "json")) == []


def test_statistics_with_no_findings_prints_the_summary_only() -> None:
    assert statistics([], "grouped") == "All checks passed!\n"


@pytest.mark.parametrize("output_format", ["sarif", "github", "junit"])
def test_statistics_refuse_the_ci_formats(output_format: str) -> None:
    with pytest.raises(ValueError, match=output_format):
        statistics(_mixed(), output_format)


# --- registration ------------------------------------------------------------------------------


def test_the_ci_formats_are_registered_and_load_neither_rich_nor_jsonschema() -> None:
    assert {"sarif", "github", "junit", "grouped"} <= set(OUTPUT_FORMATS)
    script = (
        "import io, sys\n"
        "from dqn_lint.diagnostics import Finding, Position, Severity, Span\n"
        "from dqn_lint.reporters import render\n"
        "from dqn_lint.reporters.statistics import render_statistics\n"
        "f = Finding('DQN004', 'missing-terminal-mask', 'm', Severity.ERROR, Span(Position(1, 1), Position(1, 2)), 'a.py')\n"
        "for fmt in ('sarif', 'github', 'junit', 'grouped'):\n"
        "    render(fmt, [f], io.StringIO())\n"
        "render_statistics([f], io.StringIO(), output_format='json')\n"
        "print(sorted(m for m in ('rich', 'jsonschema') if m in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
