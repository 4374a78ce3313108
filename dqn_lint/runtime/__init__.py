"""Runtime checks that back the static rules up inside a training loop.

A linter sees names, and some bugs hide behind them: a target network built in another module, a
helper that computes the TD target with gradient. These helpers look at the live tensors instead:

* `assert_td_target_frozen(y)` fails when the TD target carries autograd history (DQN002);
* `assert_independent(online, target)` fails when the target network shares storage with the
  online network (DQN001);
* `HealthMonitor` and `log_health` watch the numbers the bugs distort (TD error spread, |Q|,
  epsilon) and say which rules to re-check when they drift.

They need torch (the `verify` extra). `dqn_lint.runtime.sb3` holds the Stable-Baselines3 callback
and is not imported here, so this package works without Stable-Baselines3.
"""

from __future__ import annotations

try:
    import numpy  # noqa: F401
    import torch  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        f'dqn_lint.runtime needs torch and numpy ({error}); install them with: pip install "dqn-lint[verify]"'
    ) from error

from dqn_lint.runtime.guards import (
    SharedParametersError,
    TDTargetRequiresGradError,
    assert_independent,
    assert_td_target_frozen,
)
from dqn_lint.runtime.health import Alert, HealthMonitor, log_health

__all__ = [
    "Alert",
    "HealthMonitor",
    "SharedParametersError",
    "TDTargetRequiresGradError",
    "assert_independent",
    "assert_td_target_frozen",
    "log_health",
]
