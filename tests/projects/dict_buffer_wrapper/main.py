# project case: old-gym done of a time-limited env, forwarded by a wrapper of another module, stored in a dict-of-arrays memory
import gym

import dqn
from env_wrapper import SkipWrapper

env = SkipWrapper(gym.make("CartPole-v1"))
agent = dqn.Agent()
state = env.reset()
for step in range(5000):
    action = env.env.action_space.sample()
    state_next, reward, done, info = env.step(action)
    agent.store_transition(state, action, reward, state_next, done)
    state = env.reset() if done else state_next
    if step > 64:
        agent.learn()
