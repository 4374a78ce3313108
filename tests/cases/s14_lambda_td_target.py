# review case: DQN002 at line 15, DQN003 at line 31. A TD target written as a lambda bound to a name: its
# parameters take the arguments of its calls (`d` is the conflated flag), and it runs with autograd on
# where it is called.
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = copy.deepcopy(online)  # expect: DQN006
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99
td_target = lambda r, s2, d: r + gamma * (1 - d) * target(s2).max(1).values  # expect: DQN002


def learn(s, a, r, s2, d):
    y = td_target(r, s2, d)
    q = online(s).gather(1, a[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    opt.zero_grad()
    loss.backward()
    opt.step()


obs, _ = env.reset()
for step in range(1000):
    act = env.action_space.sample()
    nxt, rew, term, trunc, _ = env.step(act)
    done = term or trunc  # expect: DQN003
    learn(torch.tensor([obs]), torch.tensor([act]), torch.tensor([rew]), torch.tensor([nxt]), torch.tensor([float(done)]))
    obs = env.reset()[0] if done else nxt
