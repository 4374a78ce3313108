# project case: clean; a new transition's priority is a TD error of the online network taken while acting (LightPriorDQN style)
import gymnasium as gym

from agent import Agent
from prioritized_buffer import PrioritizedBuffer

gamma = 0.99
env = gym.make("CartPole-v1")
agent = Agent(4, 2, gamma)
buffer = PrioritizedBuffer(100_000, 4)
s, _ = env.reset()
a, q_a = agent.act(s, 1.0)
for step in range(50_000):
    s2, r, terminated, truncated, _ = env.step(a)
    a2, q_a2 = agent.act(s2, 0.1)
    priority = (abs(r + (not terminated) * gamma * q_a2 - q_a) + 0.01) ** buffer.alpha
    buffer.add(s, a, r, s2, terminated, priority)
    if terminated or truncated:
        s, _ = env.reset()
        a, q_a = agent.act(s, 0.1)
    else:
        s, a, q_a = s2, a2, q_a2
    if step > 1000:
        agent.learn(buffer)
