# project case: old gym `done` of CartPole (TimeLimit 500) stored through another module's buffer, uncorrected
import gym
from agent import Agent

env = gym.make("CartPole-v1")
agent = Agent(4, 2)
obs = env.reset()
t = 0
for step in range(10000):
    t += 1
    action = env.action_space.sample()
    next_obs, reward, done, info = env.step(action)  # expect: DQN003
    agent.memory.push(obs, action, reward, next_obs, done)
    obs = next_obs
    if done:
        obs = env.reset()
        t = 0
    if step > 64:
        agent.learn()
