# project case: SAC whose next action is sampled in another module; old gym `done` of Pendulum-v1,
# which ends only by its TimeLimit of 200, stored as terminal
import random

import gym
import numpy as np
import torch
from agent import SAC

env = gym.make("Pendulum-v1")
agent = SAC(3, 1)
memory = []
state = env.reset()
for step in range(20000):
    action = env.action_space.sample()
    next_state, reward, done, _ = env.step(action)  # expect: DQN003
    memory.append((state, action, reward, next_state, done))
    state = env.reset() if done else next_state
    if len(memory) > 256:
        batch = random.sample(memory, 256)
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*batch))
        agent.learn(s, a, r.unsqueeze(1), s2, d.unsqueeze(1))
