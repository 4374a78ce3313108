"""`dqn-lint verify` and `check --verify`: plan the runs, train them, judge, report and cache.

For each rule: lint its twin (the rule must fire) and the reference (nothing may fire), train both
at the rule's settings (the reference run is shared by rules with equal settings), compare, and
store the evidence. Problems a user can cause or fix (a missing extra, a missing environment, a
crashed run) are `VerifyError`s: one line, exit 2.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import dqn_lint
from dqn_lint.rule import Rule
from dqn_lint.verify.runner import REFERENCE, Settings, Task, program_source

EXTRA_HINT = "pip install 'dqn-lint[verify]'"


class VerifyError(Exception):
    """A one-line, user-facing reason why verification cannot run."""


@dataclass(frozen=True)
class Plan:
    rule: Rule
    settings: Settings

    @property
    def reference(self) -> Task:
        return Task(REFERENCE, self.settings)

    @property
    def twin(self) -> Task:
        return Task(self.rule.experiment.twin, self.settings)


def require_extra(plotting: bool = False, training: bool = True) -> None:
    modules = (["torch", "gymnasium", "scipy"] if training else []) + ["numpy"] + (["matplotlib"] if plotting else [])
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise VerifyError(f"dqn-lint verify needs {name}, which is not installed: {EXTRA_HINT}") from None


def require_environment(env_id: str) -> None:
    """Make the env once: a missing dependency (LunarLander needs Box2D) is a message, not a traceback."""
    import gymnasium as gym
    from gymnasium.error import DependencyNotInstalled, Error

    from dqn_lint.verify.runner import register_fixture_envs

    register_fixture_envs()
    try:
        gym.make(env_id).close()
    except DependencyNotInstalled as error:
        hint = ' (pip install swig "gymnasium[box2d]")' if "box2d" in str(error).lower() else ""
        raise VerifyError(f"{env_id} cannot be created: a dependency is missing{hint}") from None
    except Error as error:
        raise VerifyError(f"{env_id} cannot be created: {error}") from None


def plan(rules: Sequence[Rule], base: Settings, time_limit_given: bool, env_given: bool = False) -> list[Plan]:
    """Each rule's settings: the experiment's own env and TimeLimit unless the user named them."""
    plans = []
    for rule in rules:
        env_id = base.env_id if env_given else rule.experiment.env_id
        limit = base.time_limit if time_limit_given else rule.experiment.time_limit(env_id)
        plans.append(Plan(rule, replace(base, env_id=env_id, time_limit=limit)))
    return plans


def lint_codes(program: str) -> tuple[str, ...]:
    from dqn_lint import engine, registry

    source = program_source(program)
    findings = engine.lint_source(source, f"{program}.py", registry.all_rules())
    return tuple(sorted({finding.code for finding in findings}))


def cache_key(item: Plan) -> str:
    from dqn_lint.verify.cache import evidence_key

    # what the evidence depends on: both programs, the experiment (its measures and probes), and
    # the code that measures them
    sources = (program_source(REFERENCE), program_source(item.rule.experiment.twin),
               repr(item.rule.experiment).encode(), *_measuring_code())
    return evidence_key(item.rule.code, asdict(item.settings), dqn_lint.__version__, sources)


@functools.cache
def _measuring_code() -> tuple[bytes, ...]:
    """The verifier's own measuring modules, read once per process (every rule's key holds them)."""
    return tuple(Path(__file__).with_name(name).read_bytes() for name in ("probes.py", "continuation.py", "evidence.py"))


def run(plans: Sequence[Plan], jobs: int, console, use_cache: bool = False) -> tuple[list, dict, bool]:
    """Evidence for each plan (from the cache when allowed), training what is missing.

    Returns (evidence in plan order, the training runs by task, whether Ctrl-C cut training short).
    """
    from dqn_lint.verify import cache
    from dqn_lint.verify.evidence import LintCheck, judge
    from dqn_lint.verify.runner import RunFailed

    evidence: dict[str, object] = {}
    keys = {item.rule.code: cache_key(item) for item in plans}  # each reads both fixture sources
    missing = []
    for item in plans:
        cached = cache.load(keys[item.rule.code]) if use_cache else None
        if cached is not None:
            evidence[item.rule.code] = cached
        else:
            missing.append(item)
    runs: dict[Task, dict] = {}
    interrupted = False
    if missing:
        for env_id in dict.fromkeys(item.settings.env_id for item in missing):
            require_environment(env_id)
        reference_codes = lint_codes(REFERENCE)
        lint = {item.rule.code: LintCheck(item.rule.code, lint_codes(item.rule.experiment.twin), reference_codes)
                for item in missing}
        tasks = list(dict.fromkeys(task for item in missing for task in (item.reference, item.twin)))
        try:
            runs, interrupted = _train(tasks, jobs, console)
        except RunFailed as error:
            raise VerifyError(str(error)) from None
        for item in missing:
            if item.reference in runs and item.twin in runs:
                found = judge(item.rule.code, item.rule.name, item.rule.experiment, lint[item.rule.code],
                              runs[item.reference], runs[item.twin], item.settings.env_id,
                              asdict(item.settings), dqn_lint.__version__)
                evidence[item.rule.code] = found
                cache.store(keys[item.rule.code], found)
    ordered = [evidence[item.rule.code] for item in plans if item.rule.code in evidence]
    return ordered, runs, interrupted


def selected_rules(codes: Sequence[str]) -> list[Rule]:
    from dqn_lint import registry
    from dqn_lint.diagnostics import FILE_CODES

    verifiable = [rule for rule in registry.all_rules() if rule.experiment is not None]
    if not codes:
        return verifiable
    by_code = {rule.code: rule for rule in registry.all_rules()}
    chosen = []
    for code in dict.fromkeys(code.upper() for code in codes):
        if code in FILE_CODES:
            raise VerifyError(f"{code} reports a file that cannot be checked; it has no experiment to verify")
        if code not in by_code:
            raise VerifyError(f"unknown rule code {code!r} (see 'dqn-lint rule --all')")
        if by_code[code].experiment is None:
            raise VerifyError(f"{code} has no experiment to verify; rules with one: "
                              + ", ".join(rule.code for rule in verifiable))
        chosen.append(by_code[code])
    return chosen


def verify_command(args) -> int:
    """`dqn-lint verify`: exit 0 when every rule was confirmed, 1 when some were not, 130 on Ctrl-C."""
    from rich.console import Console

    from dqn_lint.verify.evidence import CONFIRMED
    from dqn_lint.verify.report import print_report

    if args.replot is not None:
        return replot(args.replot, args.plot, args.codes)
    rules = selected_rules(args.codes)
    require_extra(plotting=args.plot is not None)
    base = Settings(env_id=args.env or Settings.env_id, seeds=args.seeds, first_seed=args.first_seed,
                    steps=args.steps, lr=args.lr, time_limit=args.time_limit)
    plans = plan(rules, base, time_limit_given=args.time_limit is not None, env_given=args.env is not None)
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=120)  # a saved report keeps the table's columns
    evidence, runs, interrupted = run(plans, args.jobs, err)
    print_report(evidence, out)
    if args.json is not None:
        write_json(args.json, evidence, curves_by_rule(runs, plans))
    if args.plot is not None:
        for path in write_plots(args.plot, runs, plans):
            err.print(f"wrote {path}")
    if interrupted:
        err.print(f"interrupted: {len(evidence)} of {len(plans)} rules finished and are reported")
        return 130
    return 0 if all(item.verdict == CONFIRMED for item in evidence) else 1


def evidence_for_codes(codes: set[str], jobs: int | None = None) -> dict:
    """`check --verify`: the cached evidence of every verifiable rule among `codes`, trained when missing."""
    import os

    from rich.console import Console

    from dqn_lint import registry

    rules = [rule for rule in registry.all_rules() if rule.code in codes and rule.experiment is not None]
    if not rules:
        return {}
    require_extra()
    plans = plan(rules, Settings(), time_limit_given=False)
    evidence, _runs, interrupted = run(plans, jobs or os.cpu_count() or 1, Console(stderr=True), use_cache=True)
    if interrupted:
        raise KeyboardInterrupt
    return {item.rule: item for item in evidence}


def _train(tasks: Sequence[Task], jobs: int, console) -> tuple[dict[Task, dict], bool]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dqn_lint.verify.runner import run_all

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bars = {task: progress.add_task(task.label, total=task.settings.steps) for task in tasks}

        def advanced(task: Task, step: int) -> None:
            progress.update(bars[task], completed=step)

        def finished(task: Task, _run: dict) -> None:
            progress.update(bars[task], completed=task.settings.steps)

        return run_all(tasks, jobs, on_progress=advanced, on_done=finished)


def curves_by_rule(runs: dict[Task, dict], plans: Sequence[Plan]) -> dict[str, dict]:
    """Per rule, the reference's and the twin's per-seed curves (return, |Q|, TD-error spread at
    each evaluation), where both were trained in this run (evidence from the cache has none)."""
    return {
        item.rule.code: {"reference": runs[item.reference]["curves"], "twin": runs[item.twin]["curves"]}
        for item in plans
        if item.reference in runs and item.twin in runs
    }


def write_json(path: Path, evidence: Sequence, curves: dict[str, dict] | None = None) -> None:
    """The evidence record; with the curves, a plot can be redrawn from it alone (`--replot`)."""
    entries = []
    for item in evidence:
        entry = item.to_json()
        if curves and item.rule in curves:
            entry["curves"] = curves[item.rule]
        entries.append(entry)
    record = {"tool": "dqn-lint", "version": dqn_lint.__version__, "evidence": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def write_plots(folder: Path, runs: dict[Task, dict], plans: Sequence[Plan]) -> list[Path]:
    from dqn_lint.verify.plot import plot_comparison

    curves = curves_by_rule(runs, plans)
    written = []
    for item in plans:
        pair = curves.get(item.rule.code)
        if pair is not None:
            title = _title(item.rule.code, item.rule.name, item.settings.env_id, item.settings.seeds)
            written.append(plot_comparison(folder / f"{item.rule.code}.png", title, pair["reference"], pair["twin"],
                                           twin_label=item.rule.code))
    return written


def _title(code: str, name: str, env_id: str, seeds: int) -> str:
    return f"{code} {name} on {env_id}, {seeds} seeds"


def replot(record_path: Path, folder: Path | None, codes: Sequence[str]) -> int:
    """`verify --replot ev.json --plot DIR`: the plots of a saved record, redrawn without training."""
    from rich.console import Console

    if folder is None:
        raise VerifyError("--replot needs --plot DIR: the folder to write the plots to")
    require_extra(plotting=True, training=False)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        entries = record["evidence"]
    except OSError as error:
        raise VerifyError(f"cannot read {record_path}: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError):
        raise VerifyError(f"{record_path} is not an evidence record written by `dqn-lint verify --json`") from None
    wanted = {code.strip().upper() for code in codes}
    chosen = [entry for entry in entries if isinstance(entry, dict) and (not wanted or entry.get("rule") in wanted)]
    without = [str(entry.get("rule")) for entry in chosen if "curves" not in entry]
    if without:
        raise VerifyError(f"{record_path} holds no curves for {', '.join(without)} (written before curves were "
                          "recorded, or from cached evidence): run `dqn-lint verify --json` again")
    if not chosen:
        raise VerifyError(f"{record_path} holds no evidence for {', '.join(sorted(wanted))}")
    from dqn_lint.verify.plot import plot_comparison

    err = Console(stderr=True, highlight=False)
    for entry in chosen:
        try:
            title = _title(entry["rule"], entry["name"], entry["env_id"], entry["settings"]["seeds"])
            path = plot_comparison(folder / f"{entry['rule']}.png", title, entry["curves"]["reference"],
                                   entry["curves"]["twin"], twin_label=entry["rule"])
        except (KeyError, TypeError, ValueError) as error:
            raise VerifyError(f"{record_path}: the curves of {entry.get('rule')} cannot be drawn: {error}") from None
        err.print(f"wrote {path}")
    return 0
