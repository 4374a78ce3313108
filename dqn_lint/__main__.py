"""`python -m dqn_lint` is the same as the `dqn-lint` command."""

from dqn_lint.cli import run

run()
