"""The emulator without gym (Kaixhin/Rainbow's shape): the frame limit is set here, so
`game_over()` is also True when the limit cuts the episode."""
import atari_py
import numpy as np


class Env:
    def __init__(self, args):
        self.ale = atari_py.ALEInterface()
        self.ale.setInt("random_seed", args.seed)
        self.ale.setInt("max_num_frames_per_episode", args.max_episode_length)
        self.ale.loadROM(atari_py.get_game_path(args.game))
        actions = self.ale.getMinimalActionSet()
        self.actions = dict(enumerate(actions))

    def reset(self):
        self.ale.reset_game()
        return self.ale.getRAM().astype(np.float32)

    def step(self, action):
        reward, done = 0, False
        for _ in range(4):
            reward += self.ale.act(self.actions.get(action))
            done = self.ale.game_over()  # expect: DQN003
            if done:
                break
        return self.ale.getRAM().astype(np.float32), reward, done

    def action_space(self):
        return len(self.actions)
