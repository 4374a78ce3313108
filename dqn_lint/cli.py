"""The `dqn-lint` command: `check` lints files, `rule` prints the documentation of the rules.

Exit codes, in every mode: 0 nothing found, 1 findings (unless `--exit-zero`), 2 a usage error, a
bad configuration or an internal error. Problems of the tool itself are one line on stderr, never a
traceback. Only what a command needs is imported: no rich for concise or json output, and libcst
only inside the engine, for files that pass the byte prefilter.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import dqn_lint
from dqn_lint.reporters import MACHINE_FORMATS, OUTPUT_FORMATS, ReportContext
from dqn_lint.verify.experiment import ENVIRONMENTS

if TYPE_CHECKING:
    from dqn_lint.config import ConfigResolver
    from dqn_lint.diagnostics import Finding
    from dqn_lint.discovery import Discovery, SourceFile
    from dqn_lint.file_rules import RulesPerFile
    from dqn_lint.rule import Rule

PROG = "dqn-lint"
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: reported as `dqn-lint: error: <message>`, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are our one-line errors instead of a usage dump."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, given the terminal width. argparse makes one for every argument it
    adds, and without a width each asks `shutil.get_terminal_size()`: importing shutil is 2 ms of
    a one-file check. The width is found by the same rules (see `_terminal_columns`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)


def _terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS if set, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Static checks for the bugs that make DQN training run but not learn.")
    parser.add_argument("--version", action="version", version=f"{PROG} {dqn_lint.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="lint Python files", description="Lint Python files for DQN bugs.")
    check.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files or folders to lint (default: .); - reads stdin"
    )
    check.add_argument(
        "--select", action="append", metavar="CODES", help="comma-separated codes or prefixes to enable, or ALL"
    )
    check.add_argument(
        "--extend-select", action="append", metavar="CODES", help="codes or prefixes to enable on top of the selection"
    )
    check.add_argument(
        "--ignore", action="append", metavar="CODES", help="comma-separated codes or prefixes to disable"
    )
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default="full", help="how to print findings")
    check.add_argument("-o", "--output-file", metavar="PATH", help="write the report to this file instead of stdout")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per code instead")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary line")
    check.add_argument("--config", metavar="PATH", help="use this configuration file instead of searching for one")
    check.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    check.add_argument(
        "--stdin-filename", metavar="NAME", help="the name of the file read from stdin (for messages and config)"
    )
    check.add_argument(
        "--force-exclude", action="store_true", default=None,
        help="apply the excludes to paths named on the command line too (for pre-commit)",
    )
    check.add_argument("--no-force-exclude", dest="force_exclude", action="store_false", help=argparse.SUPPRESS)
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    check.add_argument("--cache-dir", metavar="PATH", help="where the result cache lives (default .dqn_lint_cache)")
    check.add_argument(
        "--jobs", "-j", type=_positive_int, default=None, metavar="N", help="worker processes (default: the core count)"
    )
    check.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` to every line with a finding")
    check.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    check.add_argument(
        "--unsafe-fixes", action="store_true", default=None, help="also apply (or offer) fixes that change training"
    )
    check.add_argument(
        "--no-unsafe-fixes", dest="unsafe_fixes", action="store_false", help="apply only safe fixes, whatever the config says"
    )
    check.add_argument("--diff", action="store_true", help="print the diff --fix would make; change no file")
    check.add_argument("--fix-only", action="store_true", help="apply fixes and report nothing but how many")
    check.add_argument(
        "--verify", action="store_true",
        help="attach each rule's runtime evidence (from the evidence cache; trained once when missing)",
    )

    verify = commands.add_parser(
        "verify", help="confirm rules by training the reference agent and each faulty twin",
        description="Train the fixed reference agent and each rule's faulty twin over several seeds, "
        "measure the difference and state a verdict.",
    )
    verify.add_argument("codes", nargs="*", metavar="CODE", help="rules to verify (default: every rule with an experiment)")
    verify.add_argument("--env", choices=ENVIRONMENTS,
                        help="gymnasium environment for every rule (default: each rule's own, CartPole-v1 for most)")
    verify.add_argument("--seeds", type=_positive_int, default=5, help="seeds per program (default 5)")
    verify.add_argument("--first-seed", type=_non_negative_int, default=0,
                        help="the seeds are this one and the next ones (default 0)")
    verify.add_argument("--steps", type=_at_least(200), default=50_000, help="env steps per seed (default 50000)")
    verify.add_argument("--time-limit", type=_positive_int, help="override the env's TimeLimit for every rule")
    verify.add_argument("--lr", type=_positive_float, help="learning rate (default: the reference agent's)")
    verify.add_argument("--json", metavar="PATH", type=Path, help="write the evidence record here")
    verify.add_argument("--plot", metavar="DIR", type=Path, help="write one PNG per rule here")
    verify.add_argument("--replot", metavar="PATH", type=Path,
                        help="redraw the plots of an evidence record written with --json (with --plot DIR), training nothing")
    verify.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1, help="training processes")

    clean = commands.add_parser("clean", help="remove the result cache", description="Remove the result cache.")
    clean.add_argument("--cache-dir", metavar="PATH", help="the cache folder (default .dqn_lint_cache)")

    probe = commands.add_parser(
        "probe", help="run your training script briefly and confirm each finding at run time",
        description="Lint the project around SCRIPT, run the script for a bounded time with the findings' "
                    "expressions watched, and report for each finding what was seen. This runs your code.",
    )
    probe.add_argument("script", nargs="?", metavar="SCRIPT", help="the training script (as `python SCRIPT` runs it)")
    probe.add_argument("-m", dest="module", metavar="MODULE", help="run a module of the project, as `python -m` does")
    probe.add_argument("--updates", type=_positive_int, default=200, help="stop after this many optimizer updates")
    probe.add_argument("--seconds", type=_positive_float, default=120.0, help="stop after this many seconds")
    probe.add_argument("--select", action="append", metavar="CODES", help="probe only these rules (comma-separated)")
    probe.add_argument("--threads", type=int, default=1, help="torch threads in the script (0: leave torch's default)")
    probe.add_argument("--json", metavar="PATH", help="also write the verdicts as JSON")
    probe.add_argument("--quiet", action="store_true", help="do not pass the script's own output through")
    probe.add_argument("script_args", nargs=argparse.REMAINDER, metavar="-- ARGS", help="arguments for the script")

    commands.add_parser(
        "server", help="run the language server (LSP, on stdin and stdout)",
        description="Run the language server: findings, fixes and rule pages in the editor (needs the lsp extra).",
    )

    rule = commands.add_parser("rule", help="show a rule's documentation", description="Show a rule's documentation.")
    rule.add_argument("code", nargs="?", metavar="CODE", help="the rule's code, e.g. DQN003")
    rule.add_argument("--all", action="store_true", help="list every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text", help="text or json")
    return parser


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


_positive_int = _at_least(1)
_non_negative_int = _at_least(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive finite number")
    return value


def _error(message: str, prefix: str = "error") -> None:
    single_line = " ".join(str(message).split())
    sys.stderr.write(f"{PROG}: {prefix}: {single_line}\n")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


# --- check -------------------------------------------------------------------------------------


def _cli_selectors(values: list[str] | None) -> tuple[str, ...] | None:
    from dqn_lint.selection import split_selectors

    if values is None:
        return None
    return tuple(selector for value in values for selector in split_selectors(value))


def _command_line_selectors(args: argparse.Namespace):
    from dqn_lint.selection import SelectorLayer

    return SelectorLayer(
        select=_cli_selectors(args.select),
        extend_select=_cli_selectors(args.extend_select) or (),
        ignore=_cli_selectors(args.ignore) or (),
    )


def _check_cli_selectors(args: argparse.Namespace, known_codes: frozenset[str]) -> None:
    from dqn_lint.selection import unknown_selectors

    for option, values in (("--select", args.select), ("--extend-select", args.extend_select), ("--ignore", args.ignore)):
        unknown = unknown_selectors(_cli_selectors(values) or (), known_codes)
        if unknown:
            raise UsageError(f"unknown rule code or prefix {unknown[0]!r} in {option}")


def run_check(args: argparse.Namespace) -> int:
    from dqn_lint import registry
    from dqn_lint.config import ConfigError, ConfigResolver
    from dqn_lint.diagnostics import FILE_CODES
    from dqn_lint.discovery import discover

    rules = registry.all_rules()
    known_codes = frozenset(rule.code for rule in rules) | FILE_CODES
    _check_cli_selectors(args, known_codes)
    reading_stdin = "-" in args.paths
    if reading_stdin and len(args.paths) > 1:
        raise UsageError("'-' (stdin) cannot be combined with other paths")
    if args.stdin_filename is not None and not reading_stdin:
        args.paths = ["-"] if args.paths == ["."] else args.paths
        reading_stdin = args.paths == ["-"]
        if not reading_stdin:
            raise UsageError("--stdin-filename is for reading stdin; it cannot be combined with paths")
    if args.statistics:
        from dqn_lint.reporters.statistics import STATISTICS_FORMATS

        if args.output_format not in STATISTICS_FORMATS:
            raise UsageError(f"--statistics cannot be shown as {args.output_format}; use {', '.join(sorted(STATISTICS_FORMATS))}")
    if args.add_noqa and (args.fix or args.fix_only or args.diff or reading_stdin):
        raise UsageError("--add-noqa cannot be combined with --fix, --fix-only, --diff or stdin")
    try:
        resolver = ConfigResolver(known_codes, args.config, args.isolated)
        settings = resolver.current
    except ConfigError as error:
        raise UsageError(str(error)) from None
    from dqn_lint.file_rules import RulesPerFile

    per_file = RulesPerFile(rules, resolver, _command_line_selectors(args))
    force_exclude = settings.force_exclude if args.force_exclude is None else args.force_exclude
    unsafe = settings.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes

    if reading_stdin:
        try:
            return _run_stdin(args, resolver, per_file, force_exclude, unsafe)
        except ConfigError as error:
            raise UsageError(str(error)) from None
    try:
        discovery = discover(args.paths, resolver, force_exclude=force_exclude)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    unreadable = _unreadable_folder_findings(discovery)
    if not discovery.files and not unreadable and not force_exclude:
        _error("no Python files found under the given paths", prefix="warning")

    if args.add_noqa:
        return _run_add_noqa(discovery.files, per_file, unreadable)
    if args.diff or args.fix or args.fix_only:
        return _run_fixes(args, discovery.files, per_file, unsafe, unreadable)

    from dqn_lint.linting import default_jobs, lint_sources
    from dqn_lint.sources import HeldSources

    cache = None if args.no_cache else _open_cache(args.cache_dir)
    jobs = args.jobs or default_jobs()
    held = HeldSources()
    findings = unreadable + lint_sources(discovery.files, per_file.for_file, cache=cache, jobs=jobs, held=held)
    evidence = _evidence_for(findings) if args.verify else {}
    return _report(args, findings, ReportContext(unsafe_fixes=unsafe, evidence=evidence, source_lines=held.lines))


def _unreadable_folder_findings(discovery: Discovery) -> list[Finding]:
    """A DQN901 finding for each folder that could not be listed (as ruff's E902): its files were
    not checked, so the run must not pass silently."""
    from dqn_lint.diagnostics import READ_ERROR
    from dqn_lint.sources import file_finding

    return [
        file_finding(READ_ERROR, f"cannot read the folder: {folder.reason}; the files in it were not checked", folder.display_name)
        for folder in discovery.unreadable
    ]


def _open_cache(explicit: str | None):
    from dqn_lint.cache import ResultCache, default_cache_dir, linter_fingerprint

    return ResultCache(default_cache_dir(explicit), linter_fingerprint())


def _report(args: argparse.Namespace, findings: list[Finding], context: ReportContext) -> int:
    """Print (or write to --output-file) the findings or their statistics; the exit code they mean."""
    from dqn_lint.reporters import render

    _sort(findings)
    with _report_stream(args.output_file) as stream:
        if args.statistics:
            from dqn_lint.reporters.statistics import render_statistics

            render_statistics(findings, stream, context=context, output_format=args.output_format, quiet=args.quiet)
        else:
            render(args.output_format, findings, stream, quiet=args.quiet, context=context)
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


@contextlib.contextmanager
def _report_stream(output_file: str | None):
    if output_file is None:
        yield sys.stdout
        return
    try:
        stream = open(output_file, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    except OSError as error:
        raise UsageError(f"cannot write the output file {output_file}: {error.strerror or type(error).__name__}") from None
    with stream:
        yield stream


def _run_stdin(
    args: argparse.Namespace, resolver: ConfigResolver, per_file: RulesPerFile, force_exclude: bool, unsafe: bool
) -> int:
    """`dqn-lint check -`: lint (or fix, printing the fixed source) the bytes of stdin as one file."""
    from dqn_lint.discovery import named_source

    name = args.stdin_filename or "-"
    source_file = named_source(name, resolver)
    data = sys.stdin.buffer.read()
    fixing = args.fix or args.fix_only or args.diff
    if args.stdin_filename and force_exclude:
        from dqn_lint.discovery import force_excluded

        if force_excluded(name, resolver):
            if fixing and not args.diff:
                sys.stdout.buffer.write(data)  # an editor piping through us must get its text back
            return EXIT_CLEAN
    rules = per_file.for_file(source_file)
    if not fixing:
        from dqn_lint import engine
        from dqn_lint.sources import HeldSources

        findings = engine.lint_source(data, source_file.display_name, rules)
        held = HeldSources()
        held.hold(source_file.display_name, data)
        return _report(args, findings, ReportContext(unsafe_fixes=unsafe, source_lines=held.lines))
    return _fix_stdin(args, data, source_file.display_name, rules, unsafe)


def _fix_stdin(args: argparse.Namespace, data: bytes, filename: str, rules: Sequence[Rule], unsafe: bool) -> int:
    """As ruff: the fixed source on stdout (the original when nothing applies), the findings left on stderr."""
    from dqn_lint.diagnostics import allowed_applicabilities
    from dqn_lint.fixes.apply import fix_source
    from dqn_lint.reporters import render

    outcome = fix_source(data, filename, rules, allowed_applicabilities(unsafe))
    if args.diff:
        if outcome.changed:
            from dqn_lint.fixes.diff import unified_diff

            sys.stdout.write(unified_diff(outcome.original_text, outcome.fixed_text, filename))
        return EXIT_FINDINGS if outcome.changed and not args.exit_zero else EXIT_CLEAN
    sys.stdout.flush()
    sys.stdout.buffer.write(outcome.fixed if outcome.changed else data)
    sys.stdout.buffer.flush()
    if outcome.error is not None:
        _error(f"{filename}: {outcome.error}; the source was left unchanged")
        return EXIT_ERROR
    remaining = list(outcome.remaining)
    _sort(remaining)
    if not args.fix_only:
        context = ReportContext(unsafe_fixes=unsafe, fixing=True, fixed=tuple(outcome.fixed_findings))
        render("concise" if args.output_format == "full" else args.output_format, remaining, sys.stderr, quiet=args.quiet, context=context)
    return EXIT_FINDINGS if remaining and not args.exit_zero and not args.fix_only else EXIT_CLEAN


def _run_add_noqa(files: Sequence[SourceFile], per_file: RulesPerFile, unreadable: Sequence[Finding] = ()) -> int:
    from dqn_lint.noqa_writer import add_noqa
    from dqn_lint.reporters import plural

    added = 0
    failed = bool(unreadable)
    for folder in unreadable:
        _error(f"{folder.filename}: {folder.message}")
    for source in files:
        result = add_noqa(Path(source.path), source.display_name, per_file.for_file(source))
        if result.error is not None:
            _error(f"{source.display_name}: {result.error}")
            failed = True
        added += result.added
    sys.stdout.write(f"Added {plural(added, 'noqa directive')}.\n")
    return EXIT_ERROR if failed else EXIT_CLEAN


def _sort(findings: list[Finding]) -> None:
    """A total order: findings that tie on file, position and code keep a stable, reproducible order."""
    findings.sort(key=lambda finding: (finding.sort_key, finding.span.end, finding.message))


def _run_fixes(
    args: argparse.Namespace,
    files: Sequence[SourceFile],
    per_file: RulesPerFile,
    unsafe: bool,
    unreadable: Sequence[Finding] = (),
) -> int:
    """--fix, --fix-only and --diff. Exit 2 when a file could not be fixed, whatever else happened.
    --fix-only and --diff report no findings, but name on stderr each file that was not checked."""
    from dqn_lint.diagnostics import FILE_CODES, allowed_applicabilities
    from dqn_lint.fixes.run import fix_file
    from dqn_lint.reporters import plural
    from dqn_lint.reporters.concise import format_finding

    allowed = allowed_applicabilities(unsafe)
    remaining: list[Finding] = list(unreadable)
    fixed: list[Finding] = []
    failed = False
    from dqn_lint.linting import default_jobs, lint_sources, project_contexts

    jobs = args.jobs or default_jobs()
    contexts = project_contexts(files, per_file.for_file, jobs)
    for index, source in enumerate(files):
        result = fix_file(
            Path(source.path), source.display_name, per_file.for_file(source), allowed, write=not args.diff,
            project=contexts.get(index),
        )
        if result.error is not None:
            _error(f"{source.display_name}: {result.error}", prefix="error")
            failed = True
        if args.diff and result.diff:
            sys.stdout.write(result.diff)
        remaining.extend(result.remaining)
        fixed.extend(result.fixed)
    _sort(remaining)
    if args.diff or args.fix_only:
        for finding in remaining:
            if finding.code in FILE_CODES:
                _error(format_finding(finding), prefix="warning")

    if args.diff:
        if not args.quiet:
            sys.stderr.write(f"Would fix {plural(len(fixed), 'error')}.\n" if fixed else "No errors would be fixed.\n")
        return EXIT_ERROR if failed else (EXIT_FINDINGS if fixed and not args.exit_zero else EXIT_CLEAN)
    if args.fix_only:
        if not args.quiet and args.output_format not in MACHINE_FORMATS:
            sys.stdout.write(f"Fixed {plural(len(fixed), 'error')}.\n" if fixed else "No errors fixed.\n")
        return EXIT_ERROR if failed else EXIT_CLEAN
    # What is left is judged as `check` judges it, on the fixed files, whole projects included.
    from dqn_lint.sources import HeldSources

    held = HeldSources()
    remaining = list(unreadable) + lint_sources(files, per_file.for_file, jobs=jobs, held=held)
    code = _report(args, remaining, ReportContext(unsafe_fixes=unsafe, fixing=True, fixed=tuple(fixed), source_lines=held.lines))
    return EXIT_ERROR if failed else code


def _evidence_for(findings: Sequence[Finding]) -> dict:
    from dqn_lint.verify.command import VerifyError, evidence_for_codes

    try:
        return evidence_for_codes({finding.code for finding in findings})
    except VerifyError as error:
        raise UsageError(str(error)) from None


# --- verify ------------------------------------------------------------------------------------


def run_verify(args: argparse.Namespace) -> int:
    from dqn_lint.verify.command import VerifyError, verify_command

    try:
        return verify_command(args)
    except VerifyError as error:
        raise UsageError(str(error)) from None


# --- clean -------------------------------------------------------------------------------------


def run_clean(args: argparse.Namespace) -> int:
    from dqn_lint.cache import clean, default_cache_dir

    folder = default_cache_dir(args.cache_dir)
    try:
        removed = clean(folder)
    except OSError as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(f"Removed {folder}\n" if removed else f"No cache at {folder}\n")
    return EXIT_CLEAN


# --- probe -------------------------------------------------------------------------------------


def run_probe(args: argparse.Namespace) -> int:
    from dqn_lint.probe.command import ProbeError, probe_command

    if args.script_args and args.script_args[0] == "--":
        args.script_args = args.script_args[1:]
    if args.script is not None and args.module is not None:
        raise UsageError("name a script or a module (-m), not both")
    try:
        return probe_command(args)
    except ProbeError as error:
        raise UsageError(str(error)) from None


# --- server ------------------------------------------------------------------------------------


def run_server(args: argparse.Namespace) -> int:
    try:
        from dqn_lint.lsp.server import serve
    except ImportError as error:
        raise UsageError(f"the language server needs the lsp extra ({error}): pip install 'dqn-lint[lsp]'") from None
    return serve()


# --- rule --------------------------------------------------------------------------------------


def _rule_json(rule: Rule) -> dict[str, str]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "explanation": rule.page(),
    }


def _rule_table(rules: Sequence[Rule]) -> str:
    rows = [(rule.code, rule.name, rule.severity.value) for rule in rules]
    widths = [max((len(row[column]) for row in rows), default=0) for column in range(3)]
    lines = []
    for rule, row in zip(rules, rows, strict=True):
        padded = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append(f"{padded}  {rule.summary}\n")
    return "".join(lines)


def run_rule(args: argparse.Namespace) -> int:
    from dqn_lint import registry

    if args.all == (args.code is not None):
        raise UsageError("give either a rule code or --all (see 'dqn-lint rule --help')")
    out = sys.stdout
    if args.all:
        rules = registry.all_rules()
        if args.output_format == "json":
            import json

            out.write(json.dumps([_rule_json(rule) for rule in rules], indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(_rule_table(rules))
        return EXIT_CLEAN

    rule = registry.rule_by_code(args.code.strip())
    if rule is None:
        raise UsageError(f"unknown rule code {args.code!r} (see 'dqn-lint rule --all')")
    from dqn_lint.probe.describe import probe_json, probe_section
    from dqn_lint.verify.describe import experiment_json, experiment_section

    if args.output_format == "json":
        import json

        record = {**_rule_json(rule), "experiment": experiment_json(rule), "runtime_probe": probe_json(rule)}
        out.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return EXIT_CLEAN
    page = rule.page() + "\n" + experiment_section(rule) + "\n" + probe_section(rule)
    if _is_terminal(out):
        from rich.console import Console
        from rich.markdown import Markdown

        Console(file=out).print(Markdown(page))
    else:
        out.write(page)
    return EXIT_CLEAN


# --- entry point -------------------------------------------------------------------------------


def _tolerate_unencodable_output() -> None:
    """Print a finding's `γ` as `\\u03b3` on a non-UTF-8 console rather than dying on it."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if reconfigure is not None and encoding != "utf8":
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """After a closed pipe (`dqn-lint check | head`), send what remains of stdout to nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run() -> NoReturn:
    """The console entry point: `main`, then an exit that skips tearing the interpreter down.

    Freeing libcst's hundreds of modules and classes one object at a time took about 20 ms of a
    one-file check, for nothing: the process is ending (mypy exits the same way). What an
    exit must do still happens: the output streams are flushed and the atexit handlers run.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what could not be written is lost either way
            pass
    atexit._run_exitfuncs()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; never raises, never prints a traceback."""
    try:
        _tolerate_unencodable_output()
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        command = {"check": run_check, "clean": run_clean, "rule": run_rule, "probe": run_probe, "server": run_server, "verify": run_verify}[args.command]
        code = command(args)
        with contextlib.suppress(OSError, ValueError):  # the language server's client closed stdout
            sys.stdout.flush()
        return code
    except UsageError as error:
        _error(str(error))
        return EXIT_ERROR
    except SystemExit as exit_:  # --help and --version end through argparse
        code = exit_.code
        return code if isinstance(code, int) else (EXIT_CLEAN if code is None else EXIT_ERROR)
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_ERROR
    except Exception as error:  # anything else is our bug: one line, exit 2
        sys.stderr.write(f"{PROG}: internal error: {' '.join(f'{type(error).__name__}: {error}'.split())}\n")
        return EXIT_ERROR
