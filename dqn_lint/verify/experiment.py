"""What a rule's experiment is: the twin to train, the mechanism to confirm and the measured effects.

Each rule module names its own `EXPERIMENT`. This is plain data so that linting never imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ENVIRONMENTS = ("CartPole-v1", "LunarLander-v3", "Acrobot-v1")
"""The environments the reference agent's settings are meant for (discrete actions, vector obs)."""

Direction = Literal["higher", "lower", "none"]
"""What the twin's value is predicted to be against the reference's; `none`: no difference expected."""


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
    mechanism: tuple[str, ...]  # probe keys that must hold on the twin and not on the reference
    measures: tuple[Measure, ...]
    expectation: str  # what the mechanism and the literature predict, in one or two sentences
    time_limits: Mapping[str, int] = field(default_factory=dict)  # env id -> TimeLimit for this experiment

    def time_limit(self, env_id: str) -> int | None:
        return self.time_limits.get(env_id)


PROBES: Mapping[str, str] = {
    "shared_storage": "target shares storage with online",
    "bootstrap_from_trained": "bootstraps from the trained net",
    "td_target_requires_grad": "TD target requires grad",
    "grad_reaches_bootstrap_net": "gradient reaches the target net",
    "grad_reaches_trained": "gradient reaches trained weights",
    "truncation_stored_as_terminal": "truncation stored as terminal",
    "terminal_bootstraps": "terminal transitions bootstrap",
    "target_never_changes": "target keeps its initial weights",
    "online_reset_to_target": "online reset to the target's initial weights",
    "gradients_accumulate": "gradients accumulate across updates",
    "bootstrap_shared_by_batch": "one bootstrap value for the whole batch",
    "loss_pairs_all_transitions": "the loss pairs every prediction with every target",
    "autoreset_transition_stored": "transitions across an autoreset stored",
}
"""The mechanism probes the recorder measures on every run, with the words a report uses."""

RETURN = Measure("final_return", "eval return", "lower")
Q_ABS = Measure("q_abs", "mean |Q|", "higher")
TD_STD = Measure("td_std", "TD-error std", "higher")
