"""IQN as toshikwa/fqf-iqn-qrdqn splits it: the networks' own methods run the target, a helper
gathers the quantiles of both networks, and the model classes come through a package."""
import torch

from nets import IQN
from utils import evaluate_quantile_at_action


class IQNAgent:
    def __init__(self, num_actions, memory, gamma=0.99, num_taus=8):
        self.online_net = IQN(num_actions, num_taus)
        self.target_net = IQN(num_actions, num_taus)
        self.target_net.load_state_dict(self.online_net.state_dict())
        self.optim = torch.optim.Adam(self.online_net.parameters(), lr=5e-5)
        self.memory = memory
        self.gamma_n = gamma
        self.num_taus = num_taus
        self.learning_steps = 0

    def update_target(self):
        self.target_net.load_state_dict(self.online_net.state_dict())

    def learn(self, batch_size=32):
        self.learning_steps += 1
        states, actions, rewards, next_states, dones = self.memory.sample(batch_size)
        taus = torch.rand(batch_size, self.num_taus)
        embeddings = self.online_net.calculate_state_embeddings(states)
        current_sa_quantiles = evaluate_quantile_at_action(
            self.online_net.calculate_quantiles(taus, state_embeddings=embeddings), actions
        )
        with torch.no_grad():
            next_embeddings = self.target_net.calculate_state_embeddings(next_states)
            next_q = self.target_net.calculate_quantiles(taus, state_embeddings=next_embeddings).mean(dim=1)
            next_actions = torch.argmax(next_q, dim=1, keepdim=True)
            next_sa_quantiles = evaluate_quantile_at_action(
                self.target_net.calculate_quantiles(taus, state_embeddings=next_embeddings), next_actions
            ).transpose(1, 2)
            target_sa_quantiles = rewards[..., None] + (1.0 - dones[..., None]) * self.gamma_n * next_sa_quantiles
        td_errors = target_sa_quantiles - current_sa_quantiles
        loss = td_errors.abs().mean()
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
        if self.learning_steps % 1000 == 0:
            self.update_target()
