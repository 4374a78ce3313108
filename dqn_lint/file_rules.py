"""Which rules run on a file: its settings' selection under the command line's, minus the
`per-file-ignores` that match it.

`check` and the language server choose rules the same way; only the command line's layer differs
(the server has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dqn_lint.rule import Rule
from dqn_lint.selection import DEFAULT_LAYER, SelectorLayer, codes_matching, enabled_codes

if TYPE_CHECKING:
    from dqn_lint.config import ConfigResolver, Settings
    from dqn_lint.discovery import SourceFile


class RulesPerFile:
    """The rules for each file, computed once per settings object and per file."""

    def __init__(self, rules: Sequence[Rule], resolver: ConfigResolver, command_line: SelectorLayer = SelectorLayer()) -> None:
        self._rules = rules
        self._resolver = resolver
        self._command_line = command_line
        self._enabled: dict[Settings, tuple[Rule, ...]] = {}
        self._ignores: dict[Settings, list] = {}

    def for_file(self, source: SourceFile) -> tuple[Rule, ...]:
        settings = source.settings or self._resolver.for_file(source.path)
        enabled = self._enabled.get(settings)
        if enabled is None:
            enabled = self._enabled[settings] = self._enabled_rules(settings)
        if not settings.per_file_ignores:
            return enabled
        from dqn_lint.discovery import compile_globs

        ignores = self._ignores.get(settings)
        if ignores is None:
            ignores = self._ignores[settings] = [
                (compile_globs([pattern]), codes) for pattern, codes in settings.per_file_ignores
            ]
        codes = [rule.code for rule in enabled]
        ignored: set[str] = set()
        for spec, selectors in ignores:
            if spec.match_file(source.glob_path):
                ignored |= codes_matching(selectors, codes)
        return tuple(rule for rule in enabled if rule.code not in ignored)

    def _enabled_rules(self, settings: Settings) -> tuple[Rule, ...]:
        enabled = enabled_codes((rule.code for rule in self._rules), (DEFAULT_LAYER, settings.selectors, self._command_line))
        return tuple(rule for rule in self._rules if rule.code in enabled)
