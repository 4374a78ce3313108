"""A rule's run-time probe in words, for `dqn-lint rule CODE`."""

from __future__ import annotations

from typing import Any

from dqn_lint.experiment import Observation, ProbeSite
from dqn_lint.rule import Rule

_SITES = {
    ProbeSite.FINDING: "the flagged expression",
    ProbeSite.RELATED: "the expression of the finding's related location",
    ProbeSite.RELATED_CALLEE: "the network called at the finding's related location",
    ProbeSite.CALLEE: "the network called at the flagged call",
    ProbeSite.RECEIVER: "the object whose method the flagged call runs",
    ProbeSite.BOOTSTRAP_TERM: "the discounted bootstrap term of the flagged target",
}


_READINGS = {
    Observation.MASK_RATE: "how often it marks a sampled transition terminal, against the env's real ends "
                           "and time-limit cuts",
}


def probe_section(rule: Rule) -> str:
    probe = rule.runtime_probe
    if probe is None:
        return "## Confirmed on your script\nThis rule has no run-time probe yet (`dqn-lint probe` reports it as not probed).\n"
    also = ""
    if probe.companion is not None:
        where, observation = probe.companion
        also = f" It also watches {_SITES[where]}: {_READINGS[observation]}."
    return (
        "## Confirmed on your script\n"
        f"`dqn-lint probe SCRIPT` runs your script briefly and watches {_SITES[probe.site]}: "
        f"confirmed when {probe.claim}.{also}\n"
    )


def probe_json(rule: Rule) -> dict[str, Any] | None:
    probe = rule.runtime_probe
    if probe is None:
        return None
    described: dict[str, Any] = {"site": probe.site.value, "observation": probe.observation.value, "claim": probe.claim}
    if probe.companion is not None:
        described["companion"] = {"site": probe.companion[0].value, "observation": probe.companion[1].value}
    return described
