# project case: the flag is made in train.py, stored through replay_buffer.py, masks the target in agent.py
import gymnasium as gym
from agent import Agent

env = gym.make("CartPole-v1")
agent = Agent(4, 2)
obs, _ = env.reset()
for step in range(10000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, info = env.step(action)
    done = terminated or truncated  # expect: DQN003
    agent.memory.push(obs, action, reward, next_obs, done)
    obs = next_obs
    if done:
        obs, _ = env.reset()
    if step > 64:
        agent.learn()
    if step % 500 == 0:
        agent.target.load_state_dict(agent.q.state_dict())
