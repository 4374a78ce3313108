"""`dqn-lint probe`: run the user's own training script, briefly, with the flagged expressions
watched, and say for each finding what actually happened at run time.

`command` lints the project around the script, `plan` turns each finding into the expression to
watch (the rule names it: `Rule.runtime_probe`), `rewrite` wraps those expressions in a call that
returns the value unchanged, `child` runs the script in its own process with the rewritten
modules, `observe` (torch) records what it sees, and `verdict` reads the record. Only the
project's own modules that hold findings are rewritten; nothing else of the script changes.
"""
