"""dqn-lint: static checks for the bugs that make DQN training run but not learn."""

__version__ = "0.1.0"
