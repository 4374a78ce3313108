import torch
from torch import nn

from .base import BaseModel


class IQN(BaseModel):
    def __init__(self, num_actions, num_taus=8):
        super().__init__()
        self.num_actions = num_actions
        self.embed = nn.Linear(4, 64)
        self.cosine_net = nn.Linear(num_taus, 64)
        self.quantile_net = nn.Linear(64, num_actions)

    def calculate_state_embeddings(self, states):
        return self.embed(states)

    def calculate_quantiles(self, taus, state_embeddings):
        mixed = state_embeddings[:, None, :] * self.cosine_net(taus)[:, :, None].mean(-1, keepdim=True)
        return self.quantile_net(mixed)
