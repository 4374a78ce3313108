# project case: the buffer reaches the agent through a factory called with `**params`; the flag is stored in it from another function
import gymnasium as gym
from agent import Agent
from replay_buffer import ReplayBuffer


def make_agent(env, replay_buffer, gamma=0.99):
    return Agent(env.observation_space.shape[0], env.action_space.n, replay_buffer, gamma=gamma)


def train(env, agent, steps=10000):
    obs, _ = env.reset()
    for step in range(steps):
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, info = env.step(action)
        done = terminated or truncated  # expect: DQN003
        agent.memory.push(obs, action, reward, next_obs, float(done))
        obs = next_obs
        if done:
            obs, _ = env.reset()
        if step > 64:
            agent.learn()


if __name__ == "__main__":
    env = gym.make("CartPole-v1")
    params = {"gamma": 0.99}
    agent = make_agent(env, ReplayBuffer(10000), **params)
    train(env, agent)
