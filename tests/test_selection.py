"""Which codes `select`, `extend-select` and `ignore` leave enabled (ruff's semantics)."""

from __future__ import annotations

import pytest

from dqn_lint.selection import (
    ALL,
    DEFAULT_LAYER,
    SelectorLayer,
    codes_matching,
    enabled_codes,
    is_known_selector,
    split_selectors,
    unknown_selectors,
)

CODES = ("DQN001", "DQN002", "DQN003", "DQN004", "DQN005", "DQN010")


def enabled(*layers: SelectorLayer) -> set[str]:
    return set(enabled_codes(CODES, (DEFAULT_LAYER, *layers)))


def test_every_rule_is_enabled_by_default():
    assert enabled() == set(CODES)


def test_select_replaces_the_default_selection():
    assert enabled(SelectorLayer(select=("DQN003",))) == {"DQN003"}


def test_a_prefix_selects_every_code_it_starts():
    assert enabled(SelectorLayer(select=("DQN00",))) == {"DQN001", "DQN002", "DQN003", "DQN004", "DQN005"}


def test_all_selects_every_code():
    assert enabled(SelectorLayer(select=(ALL,))) == set(CODES)


def test_a_more_specific_ignore_beats_a_broader_select():
    assert enabled(SelectorLayer(select=("DQN00",), ignore=("DQN005",))) == {"DQN001", "DQN002", "DQN003", "DQN004"}


def test_a_more_specific_select_beats_a_broader_ignore():
    assert enabled(SelectorLayer(select=("DQN003",), ignore=("DQN00",))) == {"DQN003"}


def test_ignore_wins_over_select_at_equal_specificity():
    assert enabled(SelectorLayer(select=("DQN003", "DQN004"), ignore=("DQN003",))) == {"DQN004"}
    assert enabled(SelectorLayer(select=(ALL,), ignore=(ALL,))) == set()


def test_ignore_all_with_a_specific_select_keeps_only_that_code():
    assert enabled(SelectorLayer(select=("DQN002",), ignore=(ALL,))) == {"DQN002"}


def test_ignore_alone_removes_codes_from_the_default():
    assert enabled(SelectorLayer(ignore=("DQN001", "DQN01"))) == {"DQN002", "DQN003", "DQN004", "DQN005"}


def test_extend_select_adds_to_the_select_of_its_layer():
    assert enabled(SelectorLayer(select=("DQN001",), extend_select=("DQN004",))) == {"DQN001", "DQN004"}


def test_extend_select_without_select_adds_to_the_earlier_selection():
    config = SelectorLayer(select=("DQN001",))
    assert enabled(config, SelectorLayer(extend_select=("DQN002",))) == {"DQN001", "DQN002"}


def test_a_later_select_replaces_an_earlier_select():
    config = SelectorLayer(select=("DQN001", "DQN002"))
    command_line = SelectorLayer(select=("DQN004",))
    assert enabled(config, command_line) == {"DQN004"}


def test_a_later_ignore_removes_from_an_earlier_select():
    config = SelectorLayer(select=("DQN00",))
    command_line = SelectorLayer(ignore=("DQN005",))
    assert enabled(config, command_line) == {"DQN001", "DQN002", "DQN003", "DQN004"}


def test_a_later_select_overrides_an_earlier_ignore():
    config = SelectorLayer(ignore=("DQN005",))
    command_line = SelectorLayer(select=("DQN00",))
    assert enabled(config, command_line) == {"DQN001", "DQN002", "DQN003", "DQN004", "DQN005"}


def test_a_later_ignore_applies_on_top_of_an_earlier_ignore():
    config = SelectorLayer(ignore=("DQN005",))
    command_line = SelectorLayer(ignore=("DQN001",))
    assert enabled(config, command_line) == {"DQN002", "DQN003", "DQN004", "DQN010"}


def test_a_later_extend_select_brings_back_an_earlier_ignore():
    config = SelectorLayer(ignore=("DQN00",))
    assert enabled(config, SelectorLayer(extend_select=("DQN003",))) == {"DQN003", "DQN010"}


def test_no_layers_enable_nothing():
    assert enabled_codes(CODES, ()) == frozenset()


@pytest.mark.parametrize(
    ("text", "selectors"),
    [
        ("DQN001", ("DQN001",)),
        ("DQN001,DQN003", ("DQN001", "DQN003")),
        (" dqn001 , DQN00 ,", ("DQN001", "DQN00")),
        ("all", (ALL,)),
        ("", ()),
    ],
)
def test_command_line_lists_are_comma_separated_trimmed_and_upper_cased(text, selectors):
    assert split_selectors(text) == selectors


@pytest.mark.parametrize("selector", ["ALL", "DQN", "DQN0", "DQN00", "DQN003", "DQN01", "D"])
def test_a_selector_that_names_some_code_is_known(selector):
    assert is_known_selector(selector, CODES)


@pytest.mark.parametrize("selector", ["XYZ1", "DQN006", "DQN0031", "DQN1", "", "E"])
def test_a_selector_that_names_no_code_is_unknown(selector):
    assert not is_known_selector(selector, CODES)


def test_unknown_selectors_lists_only_the_unknown_ones_in_order():
    assert unknown_selectors(["DQN001", "XYZ1", "DQN00", "ABC"], CODES) == ["XYZ1", "ABC"]


def test_codes_matching_takes_codes_and_prefixes_without_specificity():
    assert codes_matching(["DQN001", "DQN01"], CODES) == {"DQN001", "DQN010"}
    assert codes_matching([ALL], CODES) == set(CODES)
    assert codes_matching([], CODES) == set()


# --- opt-in rules: DQN100 (unused noqa) is off until asked for, as ruff's RUF100 -------------------

WITH_OPT_IN = (*CODES, "DQN100")


def enabled_with_opt_in(*layers: SelectorLayer) -> set[str]:
    return set(enabled_codes(WITH_OPT_IN, (DEFAULT_LAYER, *layers)))


def test_dqn100_is_off_by_default():
    assert enabled_with_opt_in() == set(CODES)


def test_select_all_enables_dqn100():
    assert enabled_with_opt_in(SelectorLayer(select=(ALL,))) == set(WITH_OPT_IN)


def test_select_dqn100_enables_it_alone():
    assert enabled_with_opt_in(SelectorLayer(select=("DQN100",))) == {"DQN100"}


def test_extend_select_in_the_config_adds_dqn100_to_the_default():
    assert enabled_with_opt_in(SelectorLayer(extend_select=("DQN100",))) == set(WITH_OPT_IN)


def test_extend_select_keeps_the_config_select_and_adds_dqn100():
    config = SelectorLayer(select=("DQN004",), extend_select=("DQN100",))
    assert enabled_with_opt_in(config) == {"DQN004", "DQN100"}


def test_a_select_of_the_whole_prefix_enables_dqn100():
    assert enabled_with_opt_in(SelectorLayer(select=("DQN",))) == set(WITH_OPT_IN)


def test_a_select_of_a_prefix_that_does_not_start_dqn100_leaves_it_off():
    assert enabled_with_opt_in(SelectorLayer(select=("DQN00",))) == {"DQN001", "DQN002", "DQN003", "DQN004", "DQN005"}


def test_an_ignore_alone_leaves_dqn100_off():
    assert "DQN100" not in enabled_with_opt_in(SelectorLayer(ignore=("DQN001",)))


def test_a_command_line_ignore_turns_off_a_config_extend_select_of_dqn100():
    config = SelectorLayer(extend_select=("DQN100",))
    assert "DQN100" not in enabled_with_opt_in(config, SelectorLayer(ignore=("DQN100",)))
    assert "DQN100" in enabled_with_opt_in(config, SelectorLayer(ignore=("DQN001",)))


def test_a_command_line_select_all_overrides_a_config_ignore_of_dqn100():
    config = SelectorLayer(ignore=("DQN100",))
    assert "DQN100" in enabled_with_opt_in(config, SelectorLayer(select=(ALL,)))
