"""Print the evidence of `dqn-lint verify`: one rich table, then each rule's verdict and its reason."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from dqn_lint.verify.evidence import CONFIRMED, Evidence, yes_no
from dqn_lint.verify.stats import Comparison, format_estimate

_VERDICT_STYLE = {"confirmed": "green", "no difference expected": "green", "not confirmed": "yellow",
                  "unexpected difference": "red"}


def _effect(comparison: Comparison) -> str:
    """Ratio of means, Cliff's delta and the rank test's p-value."""
    parts = []
    if comparison.ratio is not None:
        parts.append(f"x{comparison.ratio:.2f}")
    if comparison.effect == comparison.effect:  # not nan
        parts.append(f"δ{comparison.effect:+.2f}")
    if comparison.p_value is not None:
        parts.append(f"p={comparison.p_value:.2g}")
    return " ".join(parts)


def evidence_table(evidence: Sequence[Evidence]) -> Table:
    table = Table(title="dqn-lint verify: reference agent vs faulty twin",
                  caption="↑/↓: twin predicted higher/lower; =: no difference expected. "
                          "effect: ratio of means, Cliff's δ, one-sided rank test p",
                  title_justify="left", caption_justify="left")
    for column, justify in (("rule", "left"), ("metric", "left"), ("reference", "right"),
                            ("twin", "right"), ("effect", "right"), ("verdict", "left")):
        table.add_column(column, justify=justify, no_wrap=column in ("rule", "reference", "twin", "effect"))
    for item in evidence:
        first = True
        for check in item.mechanism:
            table.add_row(item.rule if first else "", check.label, yes_no(check.reference), yes_no(check.twin), "",
                          "[green]observed[/]" if check.holds else "[yellow]not observed[/]")
            first = False
        for result in item.measures:
            comparison = result.comparison
            predicted = {"higher": "↑", "lower": "↓", "none": "="}[result.measure.direction]
            style = _VERDICT_STYLE.get(comparison.verdict, "")
            table.add_row(item.rule if first else "", f"{result.measure.label} {predicted}",
                          format_estimate(comparison.reference), format_estimate(comparison.twin),
                          _effect(comparison), f"[{style}]{comparison.verdict}[/]" if style else comparison.verdict)
            first = False
        table.add_section()
    return table


def print_report(evidence: Sequence[Evidence], console: Console) -> None:
    if not evidence:
        return
    console.print(evidence_table(evidence))
    for item in evidence:
        style = "green" if item.verdict == CONFIRMED else "yellow"
        console.print(f"[bold]{item.rule}[/] {item.name}: [{style}]{item.verdict}[/] ({item.reason})",
                      highlight=False)
        notes = _notes(item)
        for note in notes:
            console.print(f"  {note}", highlight=False, style="dim")


def _notes(item: Evidence) -> list[str]:
    notes = [item.expectation]
    details = item.details
    for side in ("reference", "twin"):
        diverged = details.get(f"{side}_diverged_seeds", 0)
        if diverged:
            notes.append(f"{diverged} {side} seed(s) diverged (non-finite Q); they count as diverged.")
    if details.get("twin_autograd_bytes_per_update") != details.get("reference_autograd_bytes_per_update"):
        reference = details.get("reference_autograd_bytes_per_update", 0) / 1e6
        twin = details.get("twin_autograd_bytes_per_update", 0) / 1e6
        notes.append(f"autograd keeps {twin:.2f} MB per update in the twin, {reference:.2f} MB in the reference.")
    truncations = details.get("twin_truncations", 0)
    if any(check.probe == "truncation_stored_as_terminal" for check in item.mechanism):
        stored = details.get("twin_truncations_stored_terminal", 0)
        kept = details.get("reference_truncations_stored_terminal", 0)
        notes.append(f"truncations stored as terminal: twin {stored} of {truncations}, "
                      f"reference {kept} of {details.get('reference_truncations', 0)}.")
    if any(check.probe == "autoreset_transition_stored" for check in item.mechanism):
        notes.append(
            "transitions stored from the state an episode ended in: "
            f"twin {details.get('twin_transitions_from_final_state', 0)} of {details.get('twin_episode_ends', 0)} episode ends, "
            f"reference {details.get('reference_transitions_from_final_state', 0)} of {details.get('reference_episode_ends', 0)}."
        )
    return notes

