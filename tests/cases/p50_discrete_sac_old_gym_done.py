# review case: DQN003 at line 51
import copy

import gym
import torch
import torch.nn as nn
from torch.distributions import Categorical


class Actor(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 64), nn.ReLU(), nn.Linear(64, n_actions), nn.Softmax(dim=-1))

    def forward(self, state):
        return self.net(state)

    def evaluate(self, state):
        action_probs = self.forward(state)
        action = Categorical(action_probs).sample()
        log_probs = torch.log(action_probs + 1e-8)
        return action, action_probs, log_probs


actor = Actor(4, 2)
critic1, critic2 = nn.Linear(4, 2), nn.Linear(4, 2)
critic1_target, critic2_target = copy.deepcopy(critic1), copy.deepcopy(critic2)
critic_opt = torch.optim.Adam(list(critic1.parameters()) + list(critic2.parameters()), lr=3e-4)
gamma, alpha = 0.99, 0.2


def update_critic(s, a, r, s2, d):
    # discrete SAC: the soft value of the next state is the expectation over the policy's actions
    with torch.no_grad():
        _, action_probs, log_pis = actor.evaluate(s2)
        q_next = action_probs * (torch.min(critic1_target(s2), critic2_target(s2)) - alpha * log_pis)
        q_targets = r + gamma * (1 - d) * q_next.sum(dim=1, keepdim=True)
    loss = ((critic1(s).gather(1, a) - q_targets) ** 2).mean() + ((critic2(s).gather(1, a) - q_targets) ** 2).mean()
    critic_opt.zero_grad()
    loss.backward()
    critic_opt.step()
    for target, online in ((critic1_target, critic1), (critic2_target, critic2)):
        for tp, p in zip(target.parameters(), online.parameters()):
            tp.data.mul_(0.995).add_(0.005 * p.data)


env = gym.make("CartPole-v0")
state = env.reset()
for step in range(1000):
    action = env.action_space.sample()
    next_state, reward, done, _ = env.step(action)  # expect: DQN003
    s, s2 = torch.as_tensor([state], dtype=torch.float32), torch.as_tensor([next_state], dtype=torch.float32)
    update_critic(s, torch.tensor([[action]]), torch.tensor([[reward]]), s2, torch.tensor([[float(done)]]))
    state = env.reset() if done else next_state
