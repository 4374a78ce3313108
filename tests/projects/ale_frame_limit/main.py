import argparse

from agent import Agent
from env import Env
from memory import ReplayMemory

parser = argparse.ArgumentParser()
parser.add_argument("--game", default="space_invaders")
parser.add_argument("--seed", type=int, default=123)
parser.add_argument("--max-episode-length", type=int, default=108_000)
args = parser.parse_args()

env = Env(args)
dqn = Agent(env.action_space())
mem = ReplayMemory(100_000)
done = True
for T in range(1, 1_000_001):
    if done:
        state = env.reset()
    action = dqn.act(state)
    next_state, reward, done = env.step(action)
    mem.append(state, action, reward, done)
    state = next_state
    if T >= 10_000:
        dqn.learn(mem)
        if T % 8_000 == 0:
            dqn.update_target_net()
