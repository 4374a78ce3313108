"""The `dqn-lint` command: `check` lints files, `rule` prints the documentation of the rules.

Exit codes, in every mode: 0 nothing found, 1 findings (unless `--exit-zero`), 2 a usage error, a
bad configuration or an internal error. Problems of the tool itself are one line on stderr, never a
traceback. Only what a command needs is imported: no rich for concise or json output, and libcst
only inside the engine, for files that pass the byte prefilter.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import dqn_lint
from dqn_lint.reporters import OUTPUT_FORMATS, ReportContext
from dqn_lint.verify.experiment import ENVIRONMENTS

if TYPE_CHECKING:
    from dqn_lint.config import Settings
    from dqn_lint.diagnostics import Finding
    from dqn_lint.discovery import SourceFile
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

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Static checks for the bugs that make DQN training run but not learn.")
    parser.add_argument("--version", action="version", version=f"{PROG} {dqn_lint.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="lint Python files", description="Lint Python files for DQN bugs.")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or folders to lint (default: .)")
    check.add_argument(
        "--select", action="append", metavar="CODES", help="comma-separated codes or prefixes to enable, or ALL"
    )
    check.add_argument(
        "--ignore", action="append", metavar="CODES", help="comma-separated codes or prefixes to disable"
    )
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default="full", help="how to print findings")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary line")
    check.add_argument("--config", metavar="PATH", help="use this configuration file instead of searching for one")
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
    verify.add_argument("--env", default="CartPole-v1", choices=ENVIRONMENTS, help="gymnasium environment")
    verify.add_argument("--seeds", type=_positive_int, default=5, help="seeds per program (default 5)")
    verify.add_argument("--steps", type=_at_least(200), default=50_000, help="env steps per seed (default 50000)")
    verify.add_argument("--time-limit", type=_positive_int, help="override the env's TimeLimit for every rule")
    verify.add_argument("--lr", type=_positive_float, help="learning rate (default: the reference agent's)")
    verify.add_argument("--json", metavar="PATH", type=Path, help="write the evidence record here")
    verify.add_argument("--plot", metavar="DIR", type=Path, help="write one PNG per rule here")
    verify.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1, help="training processes")

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


def _enabled_rules(args: argparse.Namespace, rules: Sequence[Rule], settings: Settings) -> tuple[Rule, ...]:
    from dqn_lint.selection import DEFAULT_LAYER, SelectorLayer, enabled_codes

    command_line = SelectorLayer(select=_cli_selectors(args.select), ignore=_cli_selectors(args.ignore) or ())
    enabled = enabled_codes((rule.code for rule in rules), (DEFAULT_LAYER, settings.selectors, command_line))
    return tuple(rule for rule in rules if rule.code in enabled)


def _check_cli_selectors(args: argparse.Namespace, known_codes: frozenset[str]) -> None:
    from dqn_lint.selection import unknown_selectors

    for option, values in (("--select", args.select), ("--ignore", args.ignore)):
        unknown = unknown_selectors(_cli_selectors(values) or (), known_codes)
        if unknown:
            raise UsageError(f"unknown rule code or prefix {unknown[0]!r} in {option}")


class _PerFileRules:
    """The enabled rules minus the `per-file-ignores` that match a file."""

    def __init__(self, enabled: tuple[Rule, ...], per_file_ignores: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        from dqn_lint.discovery import compile_globs

        self._enabled = enabled
        self._ignores = [(compile_globs([pattern]), codes) for pattern, codes in per_file_ignores]

    def for_file(self, source: SourceFile) -> tuple[Rule, ...]:
        if not self._ignores:
            return self._enabled
        from dqn_lint.selection import codes_matching

        codes = [rule.code for rule in self._enabled]
        ignored: set[str] = set()
        for spec, selectors in self._ignores:
            if spec.match_file(source.glob_path):
                ignored |= codes_matching(selectors, codes)
        return tuple(rule for rule in self._enabled if rule.code not in ignored)


def run_check(args: argparse.Namespace) -> int:
    from dqn_lint import engine, registry
    from dqn_lint.config import ConfigError, load_settings
    from dqn_lint.discovery import MissingPathError, discover
    from dqn_lint.reporters import render

    rules = registry.all_rules()
    known_codes = frozenset(rule.code for rule in rules) | engine.FILE_CODES
    _check_cli_selectors(args, known_codes)
    try:
        settings = load_settings(args.config, known_codes)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    per_file = _PerFileRules(_enabled_rules(args, rules, settings), settings.per_file_ignores)

    try:
        discovery = discover(args.paths, settings.root, settings.all_excludes)
    except MissingPathError as error:
        raise UsageError(str(error)) from None
    for warning in discovery.warnings:
        _error(warning, prefix="warning")
    if not discovery.files:
        _error("no Python files found under the given paths", prefix="warning")

    unsafe = settings.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes
    if args.diff or args.fix or args.fix_only:
        return _run_fixes(args, discovery.files, per_file, unsafe)

    findings: list[Finding] = []
    for source in discovery.files:
        findings.extend(engine.lint_path(Path(source.path), source.display_name, per_file.for_file(source)))
    _sort(findings)
    evidence = _evidence_for(findings) if args.verify else {}
    context = ReportContext(unsafe_fixes=unsafe, evidence=evidence)
    render(args.output_format, findings, sys.stdout, quiet=args.quiet, context=context)
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _sort(findings: list[Finding]) -> None:
    """A total order: findings that tie on file, position and code keep a stable, reproducible order."""
    findings.sort(key=lambda finding: (finding.sort_key, finding.span.end, finding.message))


def _run_fixes(args: argparse.Namespace, files: Sequence[SourceFile], per_file: _PerFileRules, unsafe: bool) -> int:
    """--fix, --fix-only and --diff. Exit 2 when a file could not be fixed, whatever else happened."""
    from dqn_lint.diagnostics import allowed_applicabilities
    from dqn_lint.fixes.run import fix_file
    from dqn_lint.reporters import plural, render

    allowed = allowed_applicabilities(unsafe)
    remaining: list[Finding] = []
    fixed: list[Finding] = []
    failed = False
    for source in files:
        result = fix_file(Path(source.path), source.display_name, per_file.for_file(source), allowed, write=not args.diff)
        if result.error is not None:
            _error(f"{source.display_name}: {result.error}", prefix="error")
            failed = True
        if args.diff and result.diff:
            sys.stdout.write(result.diff)
        remaining.extend(result.remaining)
        fixed.extend(result.fixed)
    _sort(remaining)

    if args.diff:
        if not args.quiet:
            sys.stderr.write(f"Would fix {plural(len(fixed), 'error')}.\n" if fixed else "No errors would be fixed.\n")
        return EXIT_ERROR if failed else (EXIT_FINDINGS if fixed and not args.exit_zero else EXIT_CLEAN)
    if args.fix_only:
        if not args.quiet and args.output_format != "json":
            sys.stdout.write(f"Fixed {plural(len(fixed), 'error')}.\n" if fixed else "No errors fixed.\n")
        return EXIT_ERROR if failed else EXIT_CLEAN
    context = ReportContext(unsafe_fixes=unsafe, fixing=True, fixed=tuple(fixed))
    render(args.output_format, remaining, sys.stdout, quiet=args.quiet, context=context)
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if remaining and not args.exit_zero else EXIT_CLEAN


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
    if args.output_format == "json":
        import json

        out.write(json.dumps(_rule_json(rule), indent=2, ensure_ascii=False) + "\n")
    elif _is_terminal(out):
        from rich.console import Console
        from rich.markdown import Markdown

        Console(file=out).print(Markdown(rule.page()))
    else:
        out.write(rule.page())
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; never raises, never prints a traceback."""
    try:
        _tolerate_unencodable_output()
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        command = {"check": run_check, "rule": run_rule, "verify": run_verify}[args.command]
        code = command(args)
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
