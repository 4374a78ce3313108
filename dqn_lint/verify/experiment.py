"""The verifier's own settings of experiments: the environments the reference agent is meant for.

What an experiment is (twin, probes, measures) is plain data in `dqn_lint.experiment`, named by
each rule module.
"""

from __future__ import annotations

ENVIRONMENTS = ("CartPole-v1", "LunarLander-v3", "Acrobot-v1", "DQNLint/StayOrQuit-v0")
"""The environments the reference agent's settings are meant for (discrete actions, vector obs);
the last is dqn-lint's own (`fixtures/stay_or_quit.py`), made for DQN003's return experiment."""
