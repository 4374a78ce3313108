# project case: a framework's trainer (train.py) is written against the abstract `Agent` of this
# module and imports no agent of its own; the DQN agent (dqn.py) derives from `Agent`
from abc import ABC, abstractmethod


class Agent(ABC):
    def update(self, transition):
        self._update_train(transition)

    @abstractmethod
    def _update_train(self, transition):
        raise NotImplementedError
