# project case: the project's env ends episodes at a step limit (the step count is not observed), and its done masks the target
from agent import Agent
from snake_env import SnakeEnv

env = SnakeEnv()
agent = Agent(2, 4)
obs = env.reset()
for step in range(10000):
    action = env.sample_action()
    next_obs, reward, done, _ = env.step(action)
    agent.memory.push(obs, action, reward, next_obs, done)
    obs = env.reset() if done else next_obs
    if step > 64:
        agent.learn()
