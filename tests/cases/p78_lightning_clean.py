# review case: clean
from collections import OrderedDict

import lightning.pytorch as pl
import torch
import torch.nn as nn
from torch.optim import Adam


class DQN(nn.Module):
    def __init__(self, obs_size, n_actions, hidden_size=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_size, hidden_size), nn.ReLU(), nn.Linear(hidden_size, n_actions))

    def forward(self, x):
        return self.net(x.float())


class DQNLightning(pl.LightningModule):
    def __init__(self, obs_size=4, n_actions=2, lr=1e-2, gamma=0.99, sync_rate=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = DQN(obs_size, n_actions)
        self.target_net = DQN(obs_size, n_actions)

    def forward(self, x):
        return self.net(x)

    def dqn_mse_loss(self, batch):
        states, actions, rewards, dones, next_states = batch
        state_action_values = self.net(states).gather(1, actions.long().unsqueeze(-1)).squeeze(-1)
        with torch.no_grad():
            next_state_values = self.target_net(next_states).max(1)[0]
            next_state_values[dones] = 0.0
            next_state_values = next_state_values.detach()
        expected_state_action_values = next_state_values * self.hparams.gamma + rewards
        return nn.MSELoss()(state_action_values, expected_state_action_values)

    def training_step(self, batch, nb_batch):
        loss = self.dqn_mse_loss(batch)
        if self.global_step % self.hparams.sync_rate == 0:
            self.target_net.load_state_dict(self.net.state_dict())
        self.log("train_loss", loss)
        return OrderedDict({"loss": loss})

    def configure_optimizers(self):
        return Adam(self.net.parameters(), lr=self.hparams.lr)
