import numpy as np


class MaxAndSkip:
    """Works with old gym and gymnasium: the combined flag only ends the frame-skip loop."""

    def __init__(self, env, skip=4):
        self.env = env
        self._skip = skip

    def step(self, action):
        frames, total = [], 0.0
        new_api = False
        for _ in range(self._skip):
            result = self.env.step(action)
            if len(result) == 4:
                obs, reward, done, info = result
            else:
                obs, reward, term, trunc, info = result
                done = term or trunc
                new_api = True
            frames.append(obs)
            total += reward
            if done:
                break
        frame = np.max(frames[-2:], axis=0)
        if new_api:
            return frame, total, term, trunc, info
        return frame, total, done, info
