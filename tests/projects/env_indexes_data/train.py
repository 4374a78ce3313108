# project case: clean; the env's episode ends at the end of its data, which its counter indexes
import numpy as np

from agent import Agent
from trading_env import TradingEnv

env = TradingEnv(np.cumsum(np.random.randn(500)))
agent = Agent(4, 2)
obs = env.reset()
for step in range(10000):
    action = np.random.randint(2)
    next_obs, reward, done, _ = env.step(action)
    agent.memory.push(obs, action, reward, next_obs, done)
    obs = env.reset() if done else next_obs
    if step > 64:
        agent.learn()
