# project case: the workers step gymnasium envs and send `terminated`, which masks the target (no DQN003;
# `terminated or truncated` only resets the env inside the worker); the reset observation is stored (DQN011)
from multiprocessing import Pipe, Process

import numpy as np


def worker(remote, parent_remote, env_fn_wrapper):
    parent_remote.close()
    env = env_fn_wrapper.x()
    while True:
        cmd, data = remote.recv()
        if cmd == "step":
            ob, reward, terminated, truncated, info = env.step(data)
            done = terminated or truncated
            if done:
                ob, _ = env.reset()
            remote.send((ob, reward, terminated, info))
        elif cmd == "reset":
            remote.send(env.reset()[0])
        elif cmd == "close":
            remote.close()
            break


class CloudpickleWrapper:
    def __init__(self, x):
        self.x = x


class VecEnv:
    def step(self, actions):
        self.step_async(actions)
        return self.step_wait()


class SubprocVecEnv(VecEnv):
    def __init__(self, env_fns):
        self.remotes, self.work_remotes = zip(*[Pipe() for _ in range(len(env_fns))])
        self.ps = [
            Process(target=worker, args=(work_remote, remote, CloudpickleWrapper(env_fn)))
            for (work_remote, remote, env_fn) in zip(self.work_remotes, self.remotes, env_fns)
        ]
        for p in self.ps:
            p.daemon = True
            p.start()

    def step_async(self, actions):
        for remote, action in zip(self.remotes, actions):
            remote.send(("step", action))

    def step_wait(self):
        results = [remote.recv() for remote in self.remotes]
        obs, rews, dones, infos = zip(*results)
        return np.stack(obs), np.stack(rews), np.stack(dones), infos

    def reset(self):
        for remote in self.remotes:
            remote.send(("reset", None))
        return np.stack([remote.recv() for remote in self.remotes])
