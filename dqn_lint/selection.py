"""Which rules run: `select` / `ignore` / `extend-select` selectors resolved as ruff resolves them.

A selector is `ALL`, a full code (`DQN003`) or a prefix of codes (`DQN00`). Within one layer of
settings the most specific selector that matches a code decides for it, and `ignore` wins over
`select` at equal specificity. Layers (built-in default, config file, command line) are applied in
order: a layer with a `select` starts afresh, so `--select` overrides the config file's `select` and
`ignore`; a layer without one adds to or removes from what came before (`--ignore` on top of the
config file's selection).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALL = "ALL"


@dataclass(frozen=True)
class SelectorLayer:
    """One source of selectors. `select=None` means this layer does not replace the selection."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


# Opt-in rules, off until selected by code, by a prefix or `ALL` in a `select`, or by `extend-select`.
# DQN100 (unused noqa) is opt-in like ruff's RUF100: it judges the comments, not the training code.
# The full code outranks `ALL` here, and a later layer's `select` starts afresh, so a config's
# `extend-select = ["DQN100"]` or `--select ALL` turns it on, while `--ignore DQN001` keeps it off.
OPT_IN = ("DQN100",)
DEFAULT_LAYER = SelectorLayer(select=(ALL,), ignore=OPT_IN)


def normalize_selector(selector: str) -> str:
    return selector.strip().upper()


def split_selectors(text: str) -> tuple[str, ...]:
    """`"DQN001, dqn003,"` -> `("DQN001", "DQN003")`: the command-line spelling of a list."""
    return tuple(normalize_selector(part) for part in text.split(",") if part.strip())


def selector_matches(selector: str, code: str) -> bool:
    return selector == ALL or code.startswith(selector)


def specificity(selector: str) -> int:
    """`ALL` is the least specific selector, a full code the most; a longer prefix is more specific."""
    return 0 if selector == ALL else len(selector)


def is_known_selector(selector: str, known_codes: Iterable[str]) -> bool:
    """True when the selector is `ALL` or names at least one known code."""
    if selector == ALL:
        return True
    return bool(selector) and any(code.startswith(selector) for code in known_codes)


def unknown_selectors(selectors: Iterable[str], known_codes: Iterable[str]) -> list[str]:
    codes = tuple(known_codes)
    return [selector for selector in selectors if not is_known_selector(selector, codes)]


def _decision(code: str, enabling: Sequence[str], disabling: Sequence[str]) -> bool | None:
    """The verdict of the most specific matching selector; ignore wins a tie; None if none matches."""
    # Rank by specificity, then ignore above select, and keep the best.
    ranked = [(specificity(s), 0, True) for s in enabling if selector_matches(s, code)]
    ranked += [(specificity(s), 1, False) for s in disabling if selector_matches(s, code)]
    return max(ranked)[2] if ranked else None


def enabled_codes(known_codes: Iterable[str], layers: Sequence[SelectorLayer]) -> frozenset[str]:
    """The codes left enabled after applying `layers` in order, starting from nothing."""
    codes = tuple(known_codes)
    enabled: set[str] = set()
    for layer in layers:
        enabling = (*(layer.select or ()), *layer.extend_select)
        decisions = {code: _decision(code, enabling, layer.ignore) for code in codes}
        if layer.select is not None:
            enabled = {code for code, verdict in decisions.items() if verdict}
        else:
            enabled |= {code for code, verdict in decisions.items() if verdict is True}
            enabled -= {code for code, verdict in decisions.items() if verdict is False}
    return frozenset(enabled)


def codes_matching(selectors: Iterable[str], codes: Iterable[str]) -> frozenset[str]:
    """The codes any of `selectors` matches (per-file ignores need no specificity)."""
    selectors = tuple(selectors)
    return frozenset(code for code in codes if any(selector_matches(s, code) for s in selectors))
