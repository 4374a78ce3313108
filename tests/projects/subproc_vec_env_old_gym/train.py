import gym
import numpy as np

from agent import Agent
from vec_env import SubprocVecEnv

N_ENVS = 4
envs = SubprocVecEnv([lambda: gym.make("CartPole-v1") for _ in range(N_ENVS)])
agent = Agent(4, 2)
s = envs.reset()
for step in range(1, 10000):
    a = np.random.randint(2, size=N_ENVS)
    s_, r, done, infos = envs.step(a)  # expect: DQN003
    for i in range(N_ENVS):
        agent.store(s[i], a[i], r[i], s_[i], done[i])  # expect: DQN011
    s = s_
    if step > 64:
        agent.learn()
    if step % 500 == 0:
        agent.sync()
