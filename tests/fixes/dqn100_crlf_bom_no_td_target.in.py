import json  # noqa: F401, DQN003


def load(path):  # noqa: DQN004
    with open(path) as handle:
        return json.load(handle)  # noqa
