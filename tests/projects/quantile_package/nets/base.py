from torch import nn


class BaseModel(nn.Module):
    def sample_noise(self):
        pass
