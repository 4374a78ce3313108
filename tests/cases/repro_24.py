# review case: DQN003 at line 25 (the combined flag is made by `done |= truncated`, reported with the or-message); dqn-lint reports it at the env.step call (line 23) as `truncated` alone
import random
import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn

q, q_target = nn.Linear(4, 2), nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
memory = []

def learn(gamma=0.99):
    s, a, r, s2, d = map(lambda x: torch.as_tensor(np.array(x), dtype=torch.float32), zip(*random.sample(memory, 32)))
    with torch.no_grad():
        y = r + gamma * q_target(s2).max(1)[0] * (1 - d)
    loss = (q(s).gather(1, a.long()[:, None]).squeeze(1) - y).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()

env = gym.make("CartPole-v1")
obs, _ = env.reset()
for t in range(10000):
    act = env.action_space.sample()
    obs2, rew, terminated, truncated, info = env.step(act)
    done = terminated
    done |= truncated  # expect: DQN003
    memory.append((obs, act, rew, obs2, done))
    obs = env.reset()[0] if done else obs2
    learn()
