"""The rules of dqn-lint, one module per rule; installed as `dqn_lint.rules`."""
