"""`dqn-lint verify`: confirm each rule by training the reference agent and the rule's faulty twin.

Only `experiment` is imported by the rules (it is plain data); everything else needs the `verify`
extra (torch, gymnasium, scipy, matplotlib) and is imported by the `verify` command alone.
"""
