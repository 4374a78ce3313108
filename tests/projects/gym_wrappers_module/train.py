# project case: old gym `done` of an Atari env (TimeLimit) seen through the project's gym wrappers, stored uncorrected
from agent import Agent
from wrappers import make_env


class Player:
    def __init__(self, env, agent):
        self.env = env
        self.agent = agent
        self.state = env.reset()

    def play_step(self, action):
        next_state, reward, done, _ = self.env.step(action)  # expect: DQN003
        self.agent.memory.push(self.state, action, reward, next_state, done)
        self.state = self.env.reset() if done else next_state
        return done


env = make_env("PongNoFrameskip-v4")
player = Player(env, Agent(4, 6))
for step in range(10000):
    player.play_step(env.action_space.sample())
    if step > 64:
        player.agent.learn()
