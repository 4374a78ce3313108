# review case: DQN003 at line 35. A lambda TD target bound in a class body and called as `self.td(...)`:
# a method, whose first parameter is the instance; called under no_grad, so no DQN002.
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F


class Agent:
    gamma = 0.99
    td = lambda self, r, s2, d: r + self.gamma * (1 - d) * self.target(s2).max(1).values

    def __init__(self):
        self.online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
        self.target = copy.deepcopy(self.online)  # expect: DQN006
        self.opt = torch.optim.Adam(self.online.parameters(), lr=1e-3)

    def learn(self, s, a, r, s2, d):
        with torch.no_grad():
            y = self.td(r, s2, d)
        q = self.online(s).gather(1, a[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


env = gym.make("CartPole-v1")
agent = Agent()
obs, _ = env.reset()
for step in range(1000):
    act = env.action_space.sample()
    nxt, rew, term, trunc, _ = env.step(act)
    done = term or trunc  # expect: DQN003
    agent.learn(torch.tensor([obs]), torch.tensor([act]), torch.tensor([rew]), torch.tensor([nxt]), torch.tensor([float(done)]))
    obs = env.reset()[0] if done else nxt
