"""`dqn-lint probe SCRIPT`: lint the project around the script, run it briefly with the findings'
expressions watched, and report what each finding's claim looked like at run time.

Exit codes: 0 every finding confirmed, 1 some not confirmed (contradicted, not reached, not
probed), 2 a usage error or a script that failed before its first update, 130 on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dqn_lint.diagnostics import Finding
from dqn_lint.probe import verdict as verdicts
from dqn_lint.probe.plan import Planned, plan


class ProbeError(Exception):
    """A usage problem: one line for the user, exit 2."""


@dataclass(frozen=True)
class Outcome:
    planned: Planned
    verdict: verdicts.Verdict


def probe_command(args) -> int:
    script, package = _script(args)
    project = _imported_project_files(script)
    findings = _findings(project, args.select)
    if not findings:
        sys.stdout.write(f"nothing to probe: dqn-lint check finds nothing in {_shown(script)} or the project modules it imports\n")
        return 0
    from dqn_lint import registry

    def probe_of(code: str):
        rule = registry.rule_by_code(code)
        return rule.runtime_probe if rule is not None else None

    planned = plan(findings, probe_of, lambda path: _text(project, path))
    sites = [site for item in planned for site in item.sites]
    run: dict = {"status": "not run", "updates": 0, "seconds": 0.0, "sites": {}}
    if sites:
        run = _run(script, package, sites, args)
    outcomes = [Outcome(item, _verdict(item, run)) for item in planned]
    if run.get("error"):
        sys.stdout.flush()
        sys.stderr.write(run["error"] if run["error"].endswith("\n") else run["error"] + "\n")
        sys.stderr.flush()
    _print(outcomes, run, script)
    if args.json is not None:
        _write_json(args.json, outcomes, run)
    if run["status"] == "crashed" and run["updates"] == 0 and not any(o.verdict.status == verdicts.CONFIRMED for o in outcomes):
        return 2
    if run["status"] == "interrupted":
        return 130
    return 0 if all(o.verdict.status == verdicts.CONFIRMED for o in outcomes) else 1


def _script(args) -> tuple[Path, str | None]:
    if args.module is not None:
        parts = args.module.split(".")
        base = Path.cwd().joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__main__.py"):
            if candidate.is_file():
                package = ".".join(parts[:-1]) if candidate.name != "__main__.py" else args.module
                return candidate.resolve(), package or None
        raise ProbeError(f"no module {args.module!r} below {Path.cwd()} (probe -m runs the project's own modules)")
    if args.script is None:
        raise ProbeError("name a script to probe, or a module with -m")
    path = Path(args.script)
    if not path.is_file():
        raise ProbeError(f"cannot probe {args.script}: no such file")
    return path.resolve(), None


def _findings(project: dict[Path, bytes], select: list[str] | None) -> list[tuple[Finding, str]]:
    """The findings of `check` in the script and the project modules it imports (absolute paths),
    linted from the bytes read when following the imports."""
    from dqn_lint import registry
    from dqn_lint.config import ConfigResolver
    from dqn_lint.diagnostics import FILE_CODES
    from dqn_lint.discovery import named_source
    from dqn_lint.file_rules import RulesPerFile
    from dqn_lint.linting import lint_sources
    from dqn_lint.selection import SelectorLayer, split_selectors

    known = frozenset(rule.code for rule in registry.all_rules()) | FILE_CODES
    resolver = ConfigResolver(known)
    selectors = tuple(selector for value in select for selector in split_selectors(value)) if select else None
    per_file = RulesPerFile(registry.all_rules(), resolver, SelectorLayer(select=selectors))
    files = [named_source(str(path), resolver) for path in project]
    found = lint_sources(files, per_file.for_file, contents=project)
    by_name = {source.display_name: source.path for source in files}
    return [
        (finding, os.path.realpath(by_name.get(finding.filename, finding.filename)))
        for finding in sorted(found, key=lambda f: f.sort_key)
        if finding.code not in FILE_CODES
    ]


def _imported_project_files(script: Path, depth: int = 4) -> dict[Path, bytes]:
    """The script and the project modules it imports, transitively (`depth` steps), by resolved
    path, with the bytes read once: they are what is linted and where the sites are planned."""
    from dqn_lint.project import ProjectFiles

    files = ProjectFiles()
    seen: dict[Path, bytes] = {}
    frontier = [script.resolve()]
    for _ in range(depth + 1):
        step = []
        for path in frontier:
            try:
                seen[path] = source = path.read_bytes()
            except OSError:
                continue
            for target, _name in files.imported_files(path, source):
                target = target.resolve()
                if target not in seen and target not in step:
                    step.append(target)
        frontier = step
    return seen


def _text(project: dict[Path, bytes], path: str) -> str:
    """A file's text as it was linted (decoded by its own cookie or BOM), or from disk for one
    outside the files read."""
    from dqn_lint.sources import decode_source

    source = project.get(Path(path).resolve())
    return decode_source(source) if source is not None else Path(path).read_text(encoding="utf-8")


def _run(script: Path, package: str | None, sites, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="dqn-lint-probe-") as folder:
        plan_path, report_path = Path(folder) / "plan.json", Path(folder) / "report.json"
        plan_path.write_text(json.dumps({
            "sites": [site.to_json() for site in sites], "updates": args.updates, "seconds": args.seconds,
            "threads": None if args.threads == 0 else args.threads, "package": package,
        }))
        command = [sys.executable, "-m", "dqn_lint.probe.child", str(plan_path), str(report_path), str(script), *args.script_args]
        output = subprocess.DEVNULL if args.quiet else None
        env = dict(os.environ)
        dqn_lint_root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), dqn_lint_root]))
        try:
            completed = subprocess.run(command, stdout=output, stderr=output, env=env, timeout=args.seconds + 120)
        except subprocess.TimeoutExpired:
            raise ProbeError(f"the script did not stop within {args.seconds + 120:.0f} s of its time budget") from None
        except KeyboardInterrupt:
            return {"status": "interrupted", "updates": 0, "seconds": 0.0, "sites": {}}
        if not report_path.exists():
            raise ProbeError(f"the script could not be started (the probe's process exited with {completed.returncode})")
        return json.loads(report_path.read_text())


def _verdict(item: Planned, run: dict) -> verdicts.Verdict:
    if item.site is None:
        return verdicts.Verdict(verdicts.NOT_PROBED, item.not_probed or "")
    companion = run["sites"].get(str(item.companion.id)) if item.companion is not None else None
    return verdicts.verdict(run["sites"].get(str(item.site.id)), run, companion)


_STOPS = {
    "budget": "stopped at the update budget",
    "time": "stopped at the time budget",
    "finished": "the script ended by itself",
    "exited": "the script exited with an error code",
    "crashed": "the script raised an error (its traceback is above)",
    "interrupted": "interrupted",
    "not run": "not run: no finding has a run-time probe",
}


def _print(outcomes: list[Outcome], run: dict, script: Path) -> None:
    out = sys.stdout
    for outcome in outcomes:
        finding = outcome.planned.finding
        start = finding.span.start
        out.write(f"{_shown(Path(outcome.planned.path))}:{start.row}:{start.column}: {finding.code} "
                  f"{outcome.verdict.status}: {outcome.verdict.detail}\n")
    counts = {status: sum(o.verdict.status == status for o in outcomes)
              for status in (verdicts.CONFIRMED, verdicts.CONTRADICTED, verdicts.NOT_REACHED, verdicts.NOT_PROBED)}
    summary = ", ".join(f"{count} {status.replace(' at run time', '')}" for status, count in counts.items() if count)
    out.write(f"\nProbed {_shown(script)}: {summary}. The script ran {run['updates']} optimizer updates in "
              f"{run['seconds']:.1f} s ({_STOPS.get(run['status'], run['status'])}).\n")


def _write_json(path: str, outcomes: list[Outcome], run: dict) -> None:
    document = {
        "run": {key: run[key] for key in ("status", "updates", "seconds")},
        "findings": [
            {"code": o.planned.finding.code, "filename": o.planned.path, "row": o.planned.finding.span.start.row,
             "column": o.planned.finding.span.start.column, "message": o.planned.finding.message,
             "verdict": o.verdict.status, "detail": o.verdict.detail}
            for o in outcomes
        ],
    }
    try:
        Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise ProbeError(f"cannot write {path}: {error.strerror or type(error).__name__}") from None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
