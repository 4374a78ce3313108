"""The program model: the DQN facts of one file, computed once, that every rule queries."""

from __future__ import annotations


class ProgramModel:  # placeholder until the model lands
    pass


def build_model(module) -> ProgramModel:
    return ProgramModel()
