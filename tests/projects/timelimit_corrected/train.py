# project case: clean; old gym, the TD3-style correction `float(done) if t < env._max_episode_steps else 0`
import gym
from agent import Agent

env = gym.make("CartPole-v1")
agent = Agent(4, 2)
obs = env.reset()
t = 0
for step in range(10000):
    t += 1
    action = env.action_space.sample()
    next_obs, reward, done, info = env.step(action)
    done_bool = float(done) if t < env._max_episode_steps else 0
    agent.memory.push(obs, action, reward, next_obs, done_bool)
    obs = next_obs
    if done:
        obs = env.reset()
        t = 0
    if step > 64:
        agent.learn()
