"""Values that cross a process boundary: a function run by `Process(target=..., args=...)` gets
its arguments there, and what one end of a `multiprocessing.Pipe()` sends the other end receives.
This is how baselines' `SubprocVecEnv`, copied into many DQN projects, hands back its workers'
`env.step` results."""

from __future__ import annotations

import textwrap

import libcst as cst

from dqn_lint.model import SourceUnit, build_model
from dqn_lint.model.dataflow import Ref
from dqn_lint.model.flags import OLD_DONE, TERMINATED


def _model(code: str):
    return build_model(SourceUnit(cst.parse_module(textwrap.dedent(code)), "main.py", "main"))


def _last_read(model, name: str) -> cst.Name:
    found = [node for node in model.source.nodes_of_type(cst.Name) if node.value == name]
    return max(found, key=lambda node: (model.source.span(node).start.row, model.source.span(node).start.column))


def _leaf_codes(model, name: str) -> set[str]:
    return {model.code(leaf.node) for leaf in model.dataflow.resolve(Ref(_last_read(model, name)))}


VEC_ENV = """
from multiprocessing import Pipe, Process
import gym
import numpy as np


def worker(remote, parent_remote, make_env):
    parent_remote.close()
    env = make_env()
    while True:
        cmd, data = remote.recv()
        if cmd == "step":
            {worker_step}
            if done:
                ob = env.reset()
            remote.send((ob, reward, {sent_flag}, info))
        elif cmd == "reset":
            remote.send(env.reset())


class SubprocVecEnv:
    def __init__(self, env_fns):
        self.remotes, self.work_remotes = zip(*[Pipe() for _ in env_fns])
        self.ps = [
            Process(target=worker, args=(work_remote, remote, env_fn))
            for (work_remote, remote, env_fn) in zip(self.work_remotes, self.remotes, env_fns)
        ]

    def step(self, actions):
        for remote, action in zip(self.remotes, actions):
            remote.send(("step", action))
        results = [remote.recv() for remote in self.remotes]
        obs, rews, dones, infos = zip(*results)
        return np.stack(obs), np.stack(rews), np.stack(dones), infos


envs = SubprocVecEnv([lambda: gym.make("CartPole-v1") for _ in range(4)])
next_obs, rewards, dones, infos = envs.step([0, 1, 0, 1])
flag = dones
print(flag)
"""
OLD_GYM_WORKER = VEC_ENV.replace("{worker_step}", "ob, reward, done, info = env.step(data)").replace("{sent_flag}", "done")
GYMNASIUM_WORKER = VEC_ENV.replace(
    "{worker_step}", "ob, reward, terminated, truncated, info = env.step(data)\n            done = terminated or truncated"
).replace("{sent_flag}", "terminated")


def test_a_worker_s_parameters_are_the_arguments_its_process_was_started_with():
    model = _model(OLD_GYM_WORKER)
    make_env = next(node for node in model.source.nodes_of_type(cst.Name) if node.value == "make_env" and isinstance(model.source.parent(node), cst.Call))
    # `env_fn`, an element of the list the vector env was made with
    assert {model.code(leaf.node) for leaf in model.dataflow.resolve(Ref(make_env))} == {'lambda: gym.make("CartPole-v1")'}


def test_what_one_end_of_a_pipe_receives_is_what_the_other_end_sends():
    model = _model(OLD_GYM_WORKER)
    data = next(node for node in model.source.nodes_of_type(cst.Name) if node.value == "data" and isinstance(model.source.parent(node), cst.Arg))
    # the worker's `data` is an action the parent sent with "step" (an element of the list it
    # stepped with), never what the worker sends itself
    assert {model.code(leaf.node) for leaf in model.dataflow.resolve(Ref(data))} == {"0", "1"}


def test_a_flag_made_in_a_worker_is_reported_at_the_vector_env_s_step():
    model = _model(OLD_GYM_WORKER)
    sources = model.flags.sources(Ref(_last_read(model, "flag")))
    old = [source for source in sources if source.kind == OLD_DONE]
    assert len(old) == 1 and model.code(old[0].blame) == "envs.step([0, 1, 0, 1])"


def test_a_worker_that_sends_terminated_hands_on_termination():
    model = _model(GYMNASIUM_WORKER)
    kinds = {source.kind for source in model.flags.sources(Ref(_last_read(model, "flag")))}
    assert TERMINATED in kinds and OLD_DONE not in kinds


def test_a_thread_or_a_context_s_process_binds_its_target_s_parameters():
    model = _model(
        """
        import multiprocessing as mp
        import threading

        def run(queue, gamma):
            return gamma

        ctx = mp.get_context("spawn")
        ctx.Process(target=run, args=(None, 0.99)).start()
        threading.Thread(target=run, kwargs={"queue": None, "gamma": 0.95}).start()
        g = gamma
        """.replace("g = gamma", "")
    )
    gamma = next(node for node in model.source.nodes_of_type(cst.Name) if node.value == "gamma" and isinstance(model.source.parent(node), cst.Return))
    assert {model.code(leaf.node) for leaf in model.dataflow.resolve(Ref(gamma))} == {"0.99", "0.95"}


def test_recv_on_anything_but_a_pipe_is_not_followed():
    model = _model(
        """
        import socket
        sock = socket.create_connection(("localhost", 1))
        sock.send(b"x")
        reply = sock.recv()
        value = reply
        print(value)
        """
    )
    assert _leaf_codes(model, "value") == {"sock.recv()"}


def _stepped_by(model, code: str):
    from dqn_lint.model.vector_envs import VectorEnvs

    [call] = [call for call in model.dataflow.method_calls.get("step", ()) if model.code(call) == code]
    return VectorEnvs(model.dataflow).stepped_by(call)


def test_a_vector_env_whose_workers_reset_in_the_step_resets_in_the_same_step():
    from dqn_lint.model.vector_envs import SAME_STEP

    model = _model(OLD_GYM_WORKER)
    [env] = _stepped_by(model, "envs.step([0, 1, 0, 1])")
    assert env.modes == {SAME_STEP} and model.code(env.made_by).startswith("SubprocVecEnv(")


def test_workers_that_reset_only_when_asked_are_not_an_autoresetting_vector_env():
    no_autoreset = OLD_GYM_WORKER.replace("            if done:\n                ob = env.reset()\n", "")
    assert no_autoreset != OLD_GYM_WORKER
    assert _stepped_by(_model(no_autoreset), "envs.step([0, 1, 0, 1])") == ()


def test_a_single_env_s_wrapper_that_resets_itself_is_not_a_vector_env():
    model = _model(
        """
        import gym

        class AutoReset(gym.Wrapper):
            def step(self, action):
                ob, reward, done, info = self.env.step(action)
                if done:
                    ob = self.env.reset()
                return ob, reward, done, info

        env = AutoReset(gym.make("CartPole-v1"))
        ob, reward, done, info = env.step(0)
        """
    )
    assert _stepped_by(model, "env.step(0)") == ()
