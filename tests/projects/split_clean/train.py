# project case: clean; only `terminated` reaches the buffer of another module
import gymnasium as gym
from agent import Agent

env = gym.make("CartPole-v1")
agent = Agent(4, 2)
obs, _ = env.reset()
for step in range(10000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, info = env.step(action)
    done = terminated or truncated
    agent.memory.push(obs, action, reward, next_obs, terminated)
    obs = next_obs
    if done:
        obs, _ = env.reset()
    if step > 64:
        agent.learn()
