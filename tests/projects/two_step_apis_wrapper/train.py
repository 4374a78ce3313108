# project case: clean; a wrapper of another module serves both step APIs, the 5-tuple's `terminated` is stored
import gymnasium as gym
from agent import Agent
from wrappers import MaxAndSkip

env = MaxAndSkip(gym.make("CartPole-v1"))
agent = Agent(4, 2)
obs, _ = env.reset()
for step in range(10000):
    action = env.action_space.sample()
    next_obs, reward, dw, tr, info = env.step(action)
    agent.memory.push(obs, action, reward, next_obs, dw)
    obs = next_obs
    if dw or tr:
        obs, _ = env.reset()
    if step > 64:
        agent.learn()
