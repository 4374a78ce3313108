"""What `dqn-lint rule CODE` says about a rule's experiment, and its cached verdict.

A user reading a rule's page should see how the rule is confirmed by training (the twin, the
mechanism probes, the measures and the direction predicted for each, the TimeLimit) and, when
`dqn-lint verify` already ran it at the default settings, what it measured. Nothing here trains
or imports torch: the verdict is read from the evidence cache, or reported missing.
"""

from __future__ import annotations

from typing import Any

from dqn_lint.rule import Rule

_DIRECTIONS = {"lower": "predicted lower", "higher": "predicted higher", "none": "no difference expected"}


def cached_evidence(rule: Rule):
    """The evidence `dqn-lint verify` stored for this rule at the default settings, or None."""
    from dqn_lint.verify import cache
    from dqn_lint.verify.command import cache_key, plan
    from dqn_lint.verify.runner import Settings

    (item,) = plan([rule], Settings(), time_limit_given=False)
    try:
        key = cache_key(item)
    except OSError:  # the fixture programs are not installed
        return None
    return cache.load(key)


def experiment_section(rule: Rule) -> str:
    """The rule's experiment in Markdown, ending with its cached verdict (or how to get one)."""
    experiment = rule.experiment
    if experiment is None:
        return "## Confirmed by training\nThis rule has no training experiment.\n"
    lines = [
        "## Confirmed by training",
        f"- Twin: `fixtures/twins/{experiment.twin}.py` (the reference agent with this fault, nothing else changed)",
        f"- Environment: {experiment.env_id}",
        "- Mechanism: " + "; ".join(probe.label for probe in experiment.mechanism),
        "- Measures: " + "; ".join(
            f"{measure.label} ({_DIRECTIONS.get(measure.direction, measure.direction)}{', primary' if measure.primary else ''})"
            for measure in experiment.measures
        ),
        "- TimeLimit: " + (
            ", ".join(f"{env} {limit}" for env, limit in experiment.time_limits.items())
            if experiment.time_limits
            else "the environment's default"
        ),
        f"- Expected: {experiment.expectation}",
    ]
    evidence = cached_evidence(rule)
    if evidence is None:
        lines.append(f"- Verdict: not measured here yet; `dqn-lint verify {rule.code}` trains it ({experiment.env_id}, 5 seeds).")
    else:
        lines.append(f"- Verdict (cached, version {evidence.version}): {evidence.headline()}")
    return "\n".join(lines) + "\n"


def experiment_json(rule: Rule) -> dict[str, Any] | None:
    experiment = rule.experiment
    if experiment is None:
        return None
    evidence = cached_evidence(rule)
    return {
        "twin": experiment.twin,
        "mechanism": [{"probe": probe.value, "says": probe.label} for probe in experiment.mechanism],
        "measures": [
            {"key": m.key, "label": m.label, "direction": m.direction, "primary": m.primary} for m in experiment.measures
        ],
        "env_id": experiment.env_id,
        "time_limits": dict(experiment.time_limits),
        "expectation": experiment.expectation,
        "cached_verdict": None if evidence is None else {"verdict": str(evidence.verdict), "headline": evidence.headline()},
    }
