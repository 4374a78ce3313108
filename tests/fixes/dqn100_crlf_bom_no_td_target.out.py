import json  # noqa: F401


def load(path):
    with open(path) as handle:
        return json.load(handle)  # noqa
