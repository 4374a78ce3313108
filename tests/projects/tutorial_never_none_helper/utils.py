import torch


def tensorize(state):
    return torch.tensor([state], dtype=torch.float32)
