"""DQN011 autoreset-transition: transitions of a vector env stored across its automatic resets.

A vector environment resets a finished sub-environment by itself, and when it does decides which
stored transitions are real. With next-step autoreset (gymnasium >= 1.0's default) the step after
an episode ends only resets: its transition (last state of the old episode, an ignored action,
reward 0, no flag, first state of the new one) is not real and must be skipped. With same-step
autoreset (gymnasium < 1.0, old gym, Stable-Baselines3's VecEnvs, `autoreset_mode=SAME_STEP`) the
step that ends an episode already returns the next episode's first observation; the real last one
is in the infos and must replace it as the stored next state. The rule follows the next states a
TD target bootstraps from back to the vector env's `step`, reads the autoreset mode from the env's
own construction, and reports the stored transitions that are wrong in every mode the code allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.rule import Rule, RuleDocs
from dqn_lint.experiment import Experiment, Measure, Observation, Probe, ProbeSite, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import AutoresetStore, ProgramModel

_LEARN = '''
import random

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
memory = []


def learn():
    s, a, r, s2, term = (torch.as_tensor(np.array(x)) for x in zip(*random.sample(memory, 64)))
    with torch.no_grad():
        y = r + 0.99 * target(s2.float()).max(1).values * (1 - term.float())
    loss = F.mse_loss(q_net(s.float()).gather(1, a[:, None]).squeeze(1), y.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if random.random() < 0.01:
        target.load_state_dict(q_net.state_dict())
'''

# baselines' SubprocVecEnv, as projects copy it: each worker resets its env in the step that ends
# an episode (same-step autoreset); {keep} is where the worker may keep the last observation.
_PROJECT_VEC_ENV = """
from multiprocessing import Pipe, Process


def worker(remote, parent_remote, make_env):
    parent_remote.close()
    env = make_env()
    while True:
        cmd, data = remote.recv()
        if cmd == "step":
            ob, reward, terminated, truncated, info = env.step(data)
            if terminated or truncated:
                {keep}ob, _ = env.reset()
            remote.send((ob, reward, terminated, info))
        elif cmd == "reset":
            remote.send(env.reset()[0])


class SubprocVecEnv:
    def __init__(self, env_fns):
        self.remotes, self.work_remotes = zip(*[Pipe() for _ in env_fns])
        for work_remote, remote, env_fn in zip(self.work_remotes, self.remotes, env_fns):
            Process(target=worker, args=(work_remote, remote, env_fn), daemon=True).start()

    def reset(self):
        for remote in self.remotes:
            remote.send(("reset", None))
        return np.stack([remote.recv() for remote in self.remotes])

    def step(self, actions):
        for remote, action in zip(self.remotes, actions):
            remote.send(("step", action))
        obs, rews, terms, infos = zip(*[remote.recv() for remote in self.remotes])
        return np.stack(obs), np.stack(rews), np.stack(terms), infos


envs = SubprocVecEnv([lambda: gym.make("CartPole-v1") for _ in range(4)])
obs = envs.reset()
"""

VALID: tuple[str, ...] = (
    # A vector env of the program whose workers keep the last observation, and it is stored.
    _LEARN + _PROJECT_VEC_ENV.replace("{keep}", 'info["terminal_observation"] = ob\n                ') + """
for step in range(10_000):
    actions = np.random.randint(2, size=4)
    next_obs, rewards, terminations, infos = envs.step(actions)
    for i in range(4):
        real_next = infos[i].get("terminal_observation", next_obs[i])
        memory.append((obs[i], actions[i], rewards[i], real_next, terminations[i]))
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # gymnasium's documented next-step pattern: the step after an episode ends is skipped.
    _LEARN + """

envs = gym.make_vec("CartPole-v1", num_envs=4)
obs, _ = envs.reset(seed=0)
autoreset = np.zeros(envs.num_envs, dtype=bool)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(envs.num_envs):
        if not autoreset[j]:
            memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))
    obs = next_obs
    autoreset = np.logical_or(terminations, truncations)
    if len(memory) > 64:
        learn()
""",
    # CleanRL on gymnasium 0.29: same-step, the real last observation replaces truncated ones.
    _LEARN + """

envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(4)])
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    real_next_obs = next_obs.copy()
    for idx, trunc in enumerate(truncations):
        if trunc:
            real_next_obs[idx] = infos["final_observation"][idx]
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], real_next_obs[j], terminations[j]))
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Explicit same-step mode; `np.where` picks `infos["final_obs"]` where an episode ended.
    _LEARN + """

envs = gym.make_vec("CartPole-v1", num_envs=4, vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP})
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    if "final_obs" in infos:
        ended = infos["_final_obs"]
        final = np.stack([o if done else n for o, n, done in zip(infos["final_obs"], next_obs, ended)])
        next_obs_stored = np.where(ended[:, None], final, next_obs)
    else:
        next_obs_stored = next_obs
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs_stored[j], terminations[j]))
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Batched storage with a boolean index: the reset step's rows are left out.
    _LEARN + """

envs = gym.vector.AsyncVectorEnv([lambda: gym.make("CartPole-v1")] * 8, autoreset_mode="NextStep")
obs, _ = envs.reset(seed=0)
autoreset = np.zeros(8, dtype=bool)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    keep = ~autoreset
    memory.extend(zip(obs[keep], actions[keep], rewards[keep], next_obs[keep], terminations[keep]))
    autoreset = terminations | truncations
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Autoreset disabled: the program resets finished envs itself.
    _LEARN + """

envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 4, autoreset_mode=gym.vector.AutoresetMode.DISABLED)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))
    ended = terminations | truncations
    obs = next_obs
    if ended.any():
        obs, _ = envs.reset(options={"reset_mask": ended})
    if len(memory) > 64:
        learn()
""",
    # A single environment has no autoreset: every step is a real transition.
    _LEARN + """

env = gym.make("CartPole-v1")
obs, _ = env.reset(seed=0)
for step in range(10_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, info = env.step(action)
    memory.append((obs, action, reward, next_obs, terminated))
    obs = env.reset()[0] if terminated or truncated else next_obs
    if len(memory) > 64:
        learn()
""",
    # Next-step: a whole step is skipped with `continue` while any env resets.
    _LEARN + """

envs = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync")
obs, _ = envs.reset(seed=0)
resetting = np.zeros(2, dtype=bool)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    if resetting.any():
        resetting = np.logical_or(terminations, truncations)
        obs = next_obs
        continue
    for j in range(2):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))
    resetting = np.logical_or(terminations, truncations)
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # The reference agent's style: a helper returns the real last observations.
    _LEARN + """


def final_observations(next_obs, infos):
    real = next_obs.copy()
    if "final_obs" in infos:
        for i in np.flatnonzero(infos["_final_obs"]):
            real[i] = infos["final_obs"][i]
    return real


envs = gym.make_vec("CartPole-v1", num_envs=4, vector_kwargs={"autoreset_mode": "SameStep"})
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    real_next_obs = final_observations(next_obs, infos)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], real_next_obs[j], terminations[j]))
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Stable-Baselines3's VecEnv: same-step, `terminal_observation` in each info dict.
    _LEARN + """
from stable_baselines3.common.vec_env import DummyVecEnv

envs = DummyVecEnv([lambda: gym.make("CartPole-v1")] * 4)
obs = envs.reset()
for step in range(10_000):
    actions = np.array([envs.action_space.sample() for _ in range(4)])
    next_obs, rewards, dones, infos = envs.step(actions)
    real_next_obs = next_obs.copy()
    for i, done in enumerate(dones):
        if done:
            real_next_obs[i] = infos[i]["terminal_observation"]
    for i in range(4):
        timeout = infos[i].get("TimeLimit.truncated", False)
        memory.append((obs[i], actions[i], rewards[i], real_next_obs[i], dones[i] and not timeout))
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # An agent's `remember` skips the reset step it is told about.
    _LEARN + """


class Agent:
    def remember(self, obs, action, reward, next_obs, terminated, after_reset):
        if not after_reset:
            memory.append((obs, action, reward, next_obs, terminated))


agent = Agent()
envs = gym.make_vec("CartPole-v1", num_envs=4)
obs, _ = envs.reset(seed=0)
autoreset = np.zeros(4, dtype=bool)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        agent.remember(obs[j], actions[j], rewards[j], next_obs[j], terminations[j], autoreset[j])
    autoreset = np.logical_or(terminations, truncations)
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
)

INVALID: tuple[str, ...] = (
    # gymnasium 1.x's default next-step autoreset; every step's transition is stored.
    _LEARN + """

envs = gym.make_vec("CartPole-v1", num_envs=4)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Explicit same-step mode, and the reset observation is stored as the next state.
    _LEARN + """

envs = gym.vector.SyncVectorEnv(
    [lambda: gym.make("CartPole-v1")] * 4, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # No mode given: next-step on gymnasium 1.x, same-step before; wrong either way.
    _LEARN + """

envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(4)])
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    memory.extend(zip(obs, actions, rewards, next_obs, terminations))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # gymnasium 0.29's `gym.vector.make`: same-step, `final_observation` never read.
    _LEARN + """

envs = gym.vector.make("CartPole-v1", num_envs=4)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Stable-Baselines3's VecEnv without `terminal_observation`.
    _LEARN + """
from stable_baselines3.common.vec_env import SubprocVecEnv

envs = SubprocVecEnv([lambda: gym.make("CartPole-v1")] * 4)
obs = envs.reset()
for step in range(10_000):
    actions = np.array([envs.action_space.sample() for _ in range(4)])
    next_obs, rewards, dones, infos = envs.step(actions)
    for i in range(4):
        timeout = infos[i].get("TimeLimit.truncated", False)
        memory.append((obs[i], actions[i], rewards[i], next_obs[i], dones[i] and not timeout))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # A vector env of the program (baselines' SubprocVecEnv, copied): its workers reset a finished env
    # in the same step, and what `step` returns is stored as the next state.
    _LEARN + _PROJECT_VEC_ENV.replace("{keep}", "") + """
for step in range(10_000):
    actions = np.random.randint(2, size=4)
    next_obs, rewards, terminations, infos = envs.step(actions)
    for i in range(4):
        memory.append((obs[i], actions[i], rewards[i], next_obs[i], terminations[i]))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # A wrapper keeps the next-step autoreset of the env it wraps.
    _LEARN + """

envs = gym.wrappers.vector.RecordEpisodeStatistics(gym.make_vec("CartPole-v1", num_envs=4))
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # The env is made by a factory and the transition stored by an agent's method.
    _LEARN + """


def make_envs(n):
    return gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * n, autoreset_mode="SameStep")


class Agent:
    def remember(self, obs, action, reward, next_obs, terminated):
        memory.append((obs, action, reward, next_obs, terminated))


agent = Agent()
envs = make_envs(4)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for j in range(4):
        agent.remember(obs[j], actions[j], rewards[j], next_obs[j], terminations[j])  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # A preallocated buffer written in place, on an explicitly next-step AsyncVectorEnv.
    """
import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from gymnasium.vector import AsyncVectorEnv, AutoresetMode


class Buffer:
    def __init__(self, size, n):
        self.obs = np.zeros((size, n, 4), dtype=np.float32)
        self.next_obs = np.zeros((size, n, 4), dtype=np.float32)
        self.actions = np.zeros((size, n), dtype=np.int64)
        self.rewards = np.zeros((size, n), dtype=np.float32)
        self.terminated = np.zeros((size, n), dtype=np.float32)
        self.ptr = 0

    def add(self, obs, action, reward, next_obs, terminated):
        self.obs[self.ptr] = obs
        self.actions[self.ptr] = action
        self.rewards[self.ptr] = reward
        self.next_obs[self.ptr] = next_obs
        self.terminated[self.ptr] = terminated
        self.ptr += 1

    def sample(self, k):
        i = np.random.randint(self.ptr, size=k)
        return (torch.as_tensor(self.obs[i]), torch.as_tensor(self.actions[i]), torch.as_tensor(self.rewards[i]),
                torch.as_tensor(self.next_obs[i]), torch.as_tensor(self.terminated[i]))


q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
envs = AsyncVectorEnv([lambda: gym.make("CartPole-v1")] * 4, autoreset_mode=AutoresetMode.NEXT_STEP)
buffer = Buffer(10_000, 4)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    buffer.add(obs, actions, rewards, next_obs, terminations)  # expect
    obs = next_obs
    if step > 100:
        s, a, r, s2, term = buffer.sample(32)
        with torch.no_grad():
            y = r + 0.99 * target(s2).max(-1).values * (1 - term)
        loss = F.mse_loss(q_net(s).gather(-1, a[..., None]).squeeze(-1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # Converted to tensors on the way; the reset step is still stored.
    _LEARN + """

envs = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="async")
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    s2 = torch.as_tensor(next_obs, dtype=torch.float32)
    for j in range(4):
        memory.append((obs[j], actions[j], rewards[j], s2[j].numpy(), terminations[j]))  # expect
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
    # Flags of the current step do not skip the reset step (it has neither flag set).
    _LEARN + """

envs = gym.make_vec("CartPole-v1", num_envs=4)
obs, _ = envs.reset(seed=0)
for step in range(10_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    memory.extend(zip(obs, actions, rewards, next_obs, terminations))  # expect
    episode_over = terminations | truncations
    if episode_over.any():
        print("episode finished in", np.flatnonzero(episode_over))
    obs = next_obs
    if len(memory) > 64:
        learn()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A vector env's stored transitions that are wrong in every autoreset mode its code allows."""
    for store in model.autoreset_stores:
        if store.wrong_in_every_mode:
            yield _finding(model, store)


def _finding(model: ProgramModel, store: AutoresetStore) -> Finding:
    modes = {mode.value for mode in store.modes}
    final = store.envs[0].final_observation
    if modes == {"next-step"}:
        message = (
            "Every step of this vector env is stored, but it resets a finished sub-environment on the next step "
            "(next-step autoreset, gymnasium 1.x's default): that step returns the next episode's first observation "
            "with reward 0 and no flag set, so the stored transition jumps from an episode's last state into the next "
            "episode and is bootstrapped as if it were real. Skip the step after an episode ends "
            "(`if not autoreset[i]`, with `autoreset = terminated | truncated` kept from the previous step)."
        )
    elif modes == {"same-step"}:
        message = (
            "The stored next state is the observation `step` returns, but this vector env resets a finished "
            "sub-environment in the same step: for an episode that just ended that observation is already the next "
            "episode's first one, so a truncated episode bootstraps from the wrong state. "
            f"Store the real last observation from {final} for the envs whose episode ended."
        )
    else:
        message = (
            "The stored transitions are wrong in either autoreset mode of this vector env (which one runs depends on "
            "the installed gymnasium: next-step in 1.x, same-step before): next-step makes the step after an episode "
            "ends a transition across two episodes, and it is stored; same-step returns the next episode's first "
            f"observation as the last transition's next state, and {final} is never used. "
            "Pass `autoreset_mode` explicitly and handle that mode."
        )
    related = [(f"the vector env is made here ({'/'.join(sorted(env_mode.value for env_mode in env.modes))} autoreset)", env.made_by)
               for env in store.envs[:2]]
    if store.store is not None:
        related.append(("its observations come from this step", store.step))
    related.append(("and become the next states the TD target bootstraps from here", store.bootstrap))
    return model.finding(
        RULE.code,
        RULE.name,
        store.store if store.store is not None else store.step,
        message,
        Severity.ERROR,
        related=related,
        fix=Fix(Applicability.DISPLAY_ONLY, _advice(modes, final)),
    )


def _advice(modes: set[str], final: str) -> str:
    skip = ("keep `autoreset = terminated | truncated` from the previous step and store only the envs where it is "
            "False (gymnasium's documented next-step pattern)")
    replace = f"store a copy of the observations with {final} put in for the envs whose episode ended"
    if modes == {"next-step"}:
        return skip[0].upper() + skip[1:] + "."
    if modes == {"same-step"}:
        return replace[0].upper() + replace[1:] + "."
    return ("Choose the mode: `autoreset_mode=AutoresetMode.SAME_STEP` and " + replace
            + "; or `AutoresetMode.NEXT_STEP` and " + skip + ".")


EXPERIMENT = Experiment(
    twin="dqn011_autoreset_transition",
    mechanism=(Probe.AUTORESET_TRANSITION_STORED,),
    measures=(
        Measure("final_return", "eval return", "lower", primary=True),
        Measure("td_std", "TD-error std", "higher"),
    ),
    expectation=(
        "On CartPole most episodes end by termination in a failure state. The twin stores, for each, a transition "
        "from that failure state to the next episode's first state with reward 0 and no terminal flag, so Q of "
        "failure states is trained toward gamma * V(s0), close to the value of a balanced pole, while the states "
        "just before them are trained toward 1. Next to each other in state space, the network blurs the two: "
        "states near failure look better than they are, the greedy policy avoids failure less, and the return is "
        "lower; the conflicting targets keep TD errors wider."
    ),
)

RULE = Rule(
    code="DQN011",
    name="autoreset-transition",
    severity=Severity.ERROR,
    summary="Vector env transitions stored across an automatic reset: the reset step of next-step autoreset, "
    "or the reset observation as the next state in same-step autoreset.",
    docs=RuleDocs(
        what_it_does="""
Follows the next states a TD target bootstraps from (through the replay buffer, helpers,
conversions and in-place writes) back to `envs.step(actions)` of a vector environment:
`gymnasium.make_vec`, `gymnasium.vector.SyncVectorEnv` / `AsyncVectorEnv`, `gymnasium.vector.make`,
old gym's vector envs, Stable-Baselines3's `DummyVecEnv` / `SubprocVecEnv` / `make_vec_env`,
wrappers of them, and vector envs the project implements (baselines' `SubprocVecEnv`, copied) whose
`step` returns either an env's step observation or its `reset` observation (the worker's
`if done: ob = env.reset()`, followed through the pipe): those reset in the same step. The autoreset mode comes from the construction: `autoreset_mode=` or
`vector_kwargs={"autoreset_mode": ...}`, else the API's default (gymnasium's constructors without a
mode are next-step in 1.x and same-step before; both are kept). Reports the stored next
observation when the transitions are wrong in every mode the code allows:
- next-step: no test of the step's termination or truncation flags (an `if`, a `continue`, a
  boolean index) stands between the step and the store, so the reset step is stored;
- same-step: the infos' real last observation (`final_obs`, `final_observation`,
  `terminal_observation`) never reaches the stored next state.
Any such test, or any use of the final observation, keeps the rule silent.
""",
        why_is_this_bad="""
Next-step autoreset returns, on the step after an episode ends, the first observation of the next
episode with reward 0 and neither flag set. Stored, that is a transition from the old episode's
last state to a new episode's first state, learned as real: Q of terminal (failure) states is
pulled toward the value of a fresh start, and the states around them with it. Same-step autoreset
returns the next episode's first observation on the very step that ends an episode; stored as
the next state, a truncated episode bootstraps from an unrelated start state instead of where it
was cut. Nothing fails in either case: shapes and types are right, only the data is wrong.
""",
        example="""
envs = gym.make_vec("CartPole-v1", num_envs=4)          # next-step autoreset (gymnasium 1.x)
next_obs, rewards, terminations, truncations, infos = envs.step(actions)
for j in range(4):
    memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))
obs = next_obs
""",
        use_instead="""
envs = gym.make_vec("CartPole-v1", num_envs=4)
next_obs, rewards, terminations, truncations, infos = envs.step(actions)
for j in range(4):
    if not autoreset[j]:                                # the reset step is not a transition
        memory.append((obs[j], actions[j], rewards[j], next_obs[j], terminations[j]))
obs = next_obs
autoreset = np.logical_or(terminations, truncations)
""",
        fix_safety="""
No automatic fix: skipping steps needs a flag carried across loop iterations, and replacing the
next state needs the infos layout of the installed version; both change which transitions are
learned. The finding's advice names the change for the mode the code uses.
""",
        references=(
            "Gymnasium docs, Vector environment autoreset modes, https://farama.org/Vector-Autoreset-Mode",
            "Gymnasium 1.0 release notes (next-step autoreset becomes the default), "
            "https://github.com/Farama-Foundation/Gymnasium/releases/tag/v1.0.0",
            "Stable-Baselines3 docs, Vectorized Environments (`terminal_observation`), "
            "https://stable-baselines3.readthedocs.io/en/master/guide/vec_envs.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.FINDING, Observation.STORED_ACROSS_RESET,
                               "the stored next state is a reset observation"),
)
