# review case: DQN003 at line 22 (env passed in as a parameter; res = env.step(a) indexed; res[2] or res[3] is stored as the mask)
import copy
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, gamma: float = 0.99):
        self.q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
        self.q_t = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.gamma, self.memory = gamma, []

    def play_step(self, env: gym.Env, obs):
        action = env.action_space.sample()
        res = env.step(action)
        done = res[2] or res[3]  # expect: DQN003
        self.memory.append((obs, action, res[1], res[0], done))
        return env.reset()[0] if done else res[0]

    def learn(self):
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*random.sample(self.memory, 64)))
        with torch.no_grad():
            y = r + self.gamma * self.q_t(s2).max(1).values * (1 - d)
        loss = F.mse_loss(self.q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


def train(env: gym.Env, agent: Agent, steps: int = 2000):
    obs, _ = env.reset(seed=0)
    for t in range(steps):
        obs = agent.play_step(env, obs)
        if len(agent.memory) >= 128:
            agent.learn()
        if t % 200 == 0:
            agent.q_t.load_state_dict(agent.q.state_dict())


if __name__ == "__main__":
    train(gym.make("CartPole-v1"), Agent())
