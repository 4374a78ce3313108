import gymnasium as gym

import user_agents  # the user's own script builds the agent: out of the project's view
from base import Agent


class Trainer:
    def __init__(self, agent: Agent):
        self.agent = agent
        self.env = gym.make("CartPole-v1")

    def run(self, steps):
        obs, _ = self.env.reset()
        for _ in range(steps):
            action = self.env.action_space.sample()
            next_obs, reward, terminated, truncated, _ = self.env.step(action)
            done = terminated or truncated  # expect: DQN003
            self.agent.update((obs, action, reward, next_obs, done))
            obs = self.env.reset()[0] if done else next_obs


if __name__ == "__main__":
    Trainer(user_agents.make()).run(10_000)
