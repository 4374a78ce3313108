import gym
import torch

from agent import IQNAgent
from memory import LazyMemory

env = gym.make("PongNoFrameskip-v4")
agent = IQNAgent(env.action_space.n, LazyMemory(100_000), gamma=0.99)
state = env.reset()
for step in range(1_000_000):
    action = env.action_space.sample()
    next_state, reward, done, _ = env.step(action)  # expect: DQN003
    agent.memory.append(state, action, reward, next_state, done)
    state = env.reset() if done else next_state
    if step > 1000:
        agent.learn()
