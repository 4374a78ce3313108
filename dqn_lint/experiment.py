"""What a rule's experiment is: the twin to train, the mechanism to confirm and the measured effects.

Each rule module names its own `EXPERIMENT`, as plain data: linting never imports torch nor the
verifier (`dqn_lint.verify` looks experiments up by rule code and runs them). A probe is named by
one definition, `Probe`, which the recorder sets and the rules cite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

Direction = Literal["higher", "lower", "none"]
"""What the twin's value is predicted to be against the reference's; `none`: no difference expected."""


class Probe(str, Enum):
    """A mechanism the recorder checks on every run (a `str` enum: its value is the key in records)."""

    SHARED_STORAGE = "shared_storage"
    BOOTSTRAP_FROM_TRAINED = "bootstrap_from_trained"
    TD_TARGET_REQUIRES_GRAD = "td_target_requires_grad"
    GRAD_REACHES_BOOTSTRAP_NET = "grad_reaches_bootstrap_net"
    GRAD_REACHES_TRAINED = "grad_reaches_trained"
    TRUNCATION_STORED_AS_TERMINAL = "truncation_stored_as_terminal"
    TERMINAL_BOOTSTRAPS = "terminal_bootstraps"
    TARGET_NEVER_CHANGES = "target_never_changes"
    ONLINE_RESET_TO_TARGET = "online_reset_to_target"
    GRADIENTS_ACCUMULATE = "gradients_accumulate"
    BOOTSTRAP_SHARED_BY_BATCH = "bootstrap_shared_by_batch"
    LOSS_PAIRS_ALL_TRANSITIONS = "loss_pairs_all_transitions"
    AUTORESET_TRANSITION_STORED = "autoreset_transition_stored"

    @property
    def label(self) -> str:
        """The words a report uses for it."""
        return _PROBE_LABELS[self]


_PROBE_LABELS: Mapping[Probe, str] = {
    Probe.SHARED_STORAGE: "target shares storage with online",
    Probe.BOOTSTRAP_FROM_TRAINED: "bootstraps from the trained net",
    Probe.TD_TARGET_REQUIRES_GRAD: "TD target requires grad",
    Probe.GRAD_REACHES_BOOTSTRAP_NET: "gradient reaches the target net",
    Probe.GRAD_REACHES_TRAINED: "gradient reaches trained weights",
    Probe.TRUNCATION_STORED_AS_TERMINAL: "truncation stored as terminal",
    Probe.TERMINAL_BOOTSTRAPS: "terminal transitions bootstrap",
    Probe.TARGET_NEVER_CHANGES: "target keeps its initial weights",
    Probe.ONLINE_RESET_TO_TARGET: "online reset to the target's initial weights",
    Probe.GRADIENTS_ACCUMULATE: "gradients accumulate across updates",
    Probe.BOOTSTRAP_SHARED_BY_BATCH: "one bootstrap value for the whole batch",
    Probe.LOSS_PAIRS_ALL_TRANSITIONS: "the loss pairs every prediction with every target",
    Probe.AUTORESET_TRANSITION_STORED: "transitions across an autoreset stored",
}


@dataclass(frozen=True)
class Measure:
    """A measured effect: samples per run (one per seed, or per training phase for timings)."""

    key: str
    label: str
    direction: Direction
    primary: bool = False  # the effect the rule's verdict rests on, with the mechanism
    unit: str = "seeds"  # what one sample is


@dataclass(frozen=True)
class Experiment:
    twin: str  # module name in fixtures/twins
    mechanism: tuple[Probe, ...]  # what must hold on the twin and not on the reference
    measures: tuple[Measure, ...]
    expectation: str  # what the mechanism and the literature predict, in one or two sentences
    time_limits: Mapping[str, int] = field(default_factory=dict)  # env id -> TimeLimit for this experiment
    env_id: str = "CartPole-v1"  # where `dqn-lint verify` trains it unless `--env` says otherwise

    def time_limit(self, env_id: str) -> int | None:
        return self.time_limits.get(env_id)


class ProbeSite(str, Enum):
    """Which expression of a finding `dqn-lint probe` wraps in the user's own script."""

    FINDING = "finding"  # the flagged expression itself
    RELATED = "related"  # the expression of the finding's first related location
    RELATED_CALLEE = "related-callee"  # the network called at the first related location (`target` of `target(s2)`)
    CALLEE = "callee"  # the function or network called at the flagged call (`online` of `online(s2)`)
    RECEIVER = "receiver"  # the object whose method is called there (`optimizer` of `optimizer.step()`)
    BOOTSTRAP_TERM = "bootstrap-term"  # of the flagged `r + gamma * next_q`, the discounted bootstrap


class Observation(str, Enum):
    """What the probe watches at that expression, in the script's own run."""

    REQUIRES_GRAD = "requires_grad"  # the value is a tensor: does it carry gradient?
    SHARES_TRAINED_STORAGE = "shares_trained_storage"  # a network: are its parameters those an optimizer steps?
    GRADIENTS_CLEARED = "gradients_cleared"  # an optimizer: are its gradients cleared between its steps?
    BOOTSTRAP_MASKED = "bootstrap_masked"  # a tensor: is it ever exactly zero for a transition?
    TRUNCATION_IN_FLAG = "truncation_in_flag"  # a flag made each step: is it set when a time limit cuts the episode?
    WEIGHTS_UNCHANGED = "weights_unchanged"  # a network: do its weights stay as they were while updates run?
    ONE_VALUE_FOR_BATCH = "one_value_for_batch"  # a tensor: is it one number for the whole batch?
    HELD_BY_OPTIMIZER = "held_by_optimizer"  # a network: does an optimizer hold (and step) its parameters?
    LOSS_INPUTS_BROADCAST = "loss_inputs_broadcast"  # a loss function or module: do its two inputs broadcast to a larger shape?
    STORED_ACROSS_RESET = "stored_across_reset"  # a stored next state: is it a vector env's reset observation?
    MASK_RATE = "mask_rate"  # a terminal mask in an update: how often does it mark a transition terminal?


@dataclass(frozen=True)
class RuntimeProbe:
    """How `dqn-lint probe` confirms a rule's finding on the user's script, as plain data."""

    site: ProbeSite
    observation: Observation
    claim: str  # what the finding says will be seen, in a few words
    # a second expression whose reading completes the first one's (DQN003: the mask the flag reaches)
    companion: tuple[ProbeSite, Observation] | None = None


__all__ = ["Direction", "Experiment", "Measure", "Observation", "Probe", "ProbeSite", "RuntimeProbe"]
