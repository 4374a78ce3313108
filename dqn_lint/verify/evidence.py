"""The evidence for one rule: lint check, mechanism probes, measured effects and the verdict.

A verdict is `confirmed` only when the linter flags the twin and not the reference, every probe of
the rule's mechanism holds on the twin and not on the reference, and the primary measure moved in
the predicted direction, significantly. Anything else is `not confirmed at this budget`, with the
first reason. Evidence is plain data: it round-trips through JSON (non-finite numbers as strings).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from dqn_lint.experiment import Experiment, Measure, Probe
from dqn_lint.verify.stats import Comparison, Summary, compare, format_estimate

CONFIRMED = "confirmed"
NOT_CONFIRMED = "not confirmed at this budget"
Verdict = Literal["confirmed", "not confirmed at this budget"]


@dataclass(frozen=True)
class LintCheck:
    rule: str
    twin_codes: tuple[str, ...]
    reference_codes: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return self.rule in self.twin_codes and not self.reference_codes


@dataclass(frozen=True)
class MechanismCheck:
    probe: Probe
    reference: bool
    twin: bool

    @property
    def label(self) -> str:
        return self.probe.label

    @property
    def holds(self) -> bool:
        return self.twin and not self.reference


@dataclass(frozen=True)
class MeasureResult:
    measure: Measure
    comparison: Comparison


@dataclass(frozen=True)
class Evidence:
    rule: str
    name: str
    env_id: str
    settings: Mapping[str, Any]
    version: str
    verdict: Verdict
    reason: str
    expectation: str
    lint: LintCheck
    mechanism: tuple[MechanismCheck, ...]
    measures: tuple[MeasureResult, ...]
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def primary(self) -> MeasureResult:
        return next((m for m in self.measures if m.measure.primary), self.measures[0])

    def headline(self) -> str:
        """One line: `confirmed on CartPole-v1, 5 seeds: eval return 487 ± 9 -> 14 ± 3`."""
        primary = self.primary
        reference = format_estimate(primary.comparison.reference)
        twin = format_estimate(primary.comparison.twin)
        seeds = self.settings.get("seeds")
        return (f"{self.verdict} on {self.env_id}, {seeds} seeds: "
                f"{primary.measure.label} {reference} -> {twin}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["lint"]["holds"] = self.lint.holds
        for check, raw in zip(self.mechanism, data["mechanism"]):
            raw.update(label=check.label, holds=check.holds)
        data["headline"] = self.headline()
        return _encode(data)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        data = _decode(data)
        return cls(
            rule=data["rule"], name=data["name"], env_id=data["env_id"], settings=data["settings"],
            version=data["version"], verdict=data["verdict"], reason=data["reason"],
            expectation=data["expectation"],
            lint=LintCheck(data["lint"]["rule"], tuple(data["lint"]["twin_codes"]),
                           tuple(data["lint"]["reference_codes"])),
            mechanism=tuple(MechanismCheck(Probe(m["probe"]), m["reference"], m["twin"]) for m in data["mechanism"]),
            measures=tuple(_measure_result(m) for m in data["measures"]),
            details=data.get("details", {}),
        )


def judge(rule_code: str, rule_name: str, experiment: Experiment, lint: LintCheck,
          reference: Mapping[str, Any], twin: Mapping[str, Any], env_id: str,
          settings: Mapping[str, Any], version: str, alpha: float = 0.05) -> Evidence:
    """Compare a reference run with a twin run (recorder summaries) and state the verdict."""
    mechanism = tuple(MechanismCheck(probe, bool(reference["probes"][probe]), bool(twin["probes"][probe]))
                      for probe in experiment.mechanism)
    measures = tuple(
        MeasureResult(measure, compare(reference["samples"][measure.key], twin["samples"][measure.key],
                                       measure.direction, alpha=alpha, unit=measure.unit))
        for measure in experiment.measures
    )
    evidence = Evidence(
        rule=rule_code, name=rule_name, env_id=env_id, settings=dict(settings), version=version,
        verdict=NOT_CONFIRMED, reason="", expectation=experiment.expectation, lint=lint,
        mechanism=mechanism, measures=measures, details=_details(reference, twin),
    )
    verdict, reason = _verdict(evidence)
    return replace(evidence, verdict=verdict, reason=reason)


def _verdict(evidence: Evidence) -> tuple[Verdict, str]:
    lint = evidence.lint
    if not lint.holds:
        return NOT_CONFIRMED, (f"the linter must flag {lint.rule} on the twin and nothing on the reference "
                               f"(twin: {', '.join(lint.twin_codes) or 'nothing'}; "
                               f"reference: {', '.join(lint.reference_codes) or 'nothing'})")
    for check in evidence.mechanism:
        if not check.holds:
            return NOT_CONFIRMED, (f"mechanism not observed: {check.label} "
                                   f"(reference: {yes_no(check.reference)}, twin: {yes_no(check.twin)})")
    primary = evidence.primary
    comparison = primary.comparison
    if comparison.verdict != CONFIRMED:
        return NOT_CONFIRMED, f"{primary.measure.label}: {comparison.reason}"
    return CONFIRMED, f"{primary.measure.label}: {comparison.reason}"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _details(reference: Mapping[str, Any], twin: Mapping[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for side, run in (("reference", reference), ("twin", twin)):
        for key, value in run.get("details", {}).items():
            details[f"{side}_{key}"] = value
        details[f"{side}_diverged_seeds"] = sum(bool(d) for d in run.get("diverged", ()))
    return details


def _measure_result(raw: Mapping[str, Any]) -> MeasureResult:
    comparison = dict(raw["comparison"])
    comparison["reference"] = Summary(**comparison["reference"])
    comparison["twin"] = Summary(**comparison["twin"])
    return MeasureResult(Measure(**raw["measure"]), Comparison(**comparison))


def _encode(value: Any) -> Any:
    """JSON has no inf or nan: they become the strings "inf", "-inf" and "nan"."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, Mapping):
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value
