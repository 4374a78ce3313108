"""The value a greedy policy really has from a state: its discounted return without a time limit.

DQN003's claim is that storing time-limit cuts as terminal biases Q low at the states where the
limit cuts episodes. To test it directly, each such state is restored in an env without the limit
and the agent's own greedy policy is played from it, to a horizon where gamma^k < 1%: the return
is what Q should be there, if the agent learned its own policy's value. The difference Q - return
is the bias. Only envs whose observation is their whole state can be restored this way: CartPole,
and dqn-lint's own StayOrQuit. The same rollout from the env's start states gives the return
without the time limit, the measure of what a policy learned under the limit is worth in the task.
"""

from __future__ import annotations

import math

import numpy as np
import torch

NEGLIGIBLE_WEIGHT = 0.01  # the rollout stops where gamma^k falls below this
STAY_OR_QUIT = "DQNLint/StayOrQuit-v0"


def horizon(gamma: float) -> int:
    """Steps until gamma^k < 1%: 459 for gamma 0.99 (the rest of an endless episode adds < 1)."""
    return math.ceil(math.log(NEGLIGIBLE_WEIGHT) / math.log(gamma))


def _restore_cartpole(envs, states: np.ndarray) -> None:
    core = envs.unwrapped  # gymnasium's vectorised CartPole: one state array for every env
    core.state = states.T.astype(core.state.dtype).copy()


def _restore_stay_or_quit(envs, states: np.ndarray) -> None:
    for env, state in zip(envs.envs, states):
        env.unwrapped.cell = int(np.argmax(state))  # the observation is the cell, one-hot


_RESTORERS = {"CartPole-v1": _restore_cartpole, STAY_OR_QUIT: _restore_stay_or_quit}
RESTORABLE = frozenset(_RESTORERS)  # the observation is the env's whole state


def _unlimited(env_id: str, num_envs: int, gamma: float):
    """`num_envs` copies of the env whose time limit lies beyond the rollout's horizon."""
    import gymnasium as gym

    from dqn_lint.verify.runner import register_fixture_envs

    register_fixture_envs()
    return gym.make_vec(env_id, num_envs=num_envs, max_episode_steps=horizon(gamma) + 1)


def _greedy_returns(online: torch.nn.Module, envs, obs: np.ndarray, seeds: int, gamma: float) -> np.ndarray:
    """Each env's discounted return under its seed's greedy policy, to the horizon or its end; `[S, K]`."""
    count = obs.shape[0] // seeds
    returns = np.zeros(seeds * count)
    alive = np.ones(seeds * count, dtype=bool)
    weight = 1.0
    for _ in range(horizon(gamma)):
        with torch.no_grad():
            batch = torch.as_tensor(np.asarray(obs, dtype=np.float32)).view(seeds, count, -1)
            actions = online(batch).argmax(dim=-1).numpy().reshape(-1)
        obs, rewards, terminated, _truncated, _infos = envs.step(actions)
        returns += weight * np.where(alive, rewards, 0.0)
        alive &= ~terminated
        weight *= gamma
        if not alive.any():
            break
    return returns.reshape(seeds, count)


def continuation_returns(online: torch.nn.Module, states: np.ndarray, env_id: str, gamma: float) -> np.ndarray:
    """The discounted return of each seed's greedy policy from each of its states, `[S, K]`.

    `states` is `[S, K, obs_dim]` (seed s's states for seed s's network); `online` maps
    `[S, B, obs_dim]` to `[S, B, actions]`, as the reference agent's QNet does. The states are
    restored in copies of the env (all S*K at once), with no time limit in reach."""
    seeds, count = states.shape[:2]
    flat = states.reshape(seeds * count, -1)
    envs = _unlimited(env_id, seeds * count, gamma)
    try:
        envs.reset(seed=0)
        _RESTORERS[env_id](envs, flat)
        return _greedy_returns(online, envs, flat.astype(np.float32).copy(), seeds, gamma)
    finally:
        envs.close()


def returns_without_limit(online: torch.nn.Module, env_id: str, gamma: float, seeds: int, episodes: int,
                          seed: int) -> list[float]:
    """Per seed, the mean discounted return of its greedy policy from the env's own start states
    over `episodes` episodes, with no time limit in reach: what the policy earns in the task, not
    in the training device that cuts it."""
    envs = _unlimited(env_id, seeds * episodes, gamma)
    try:
        obs, _ = envs.reset(seed=seed)
        return _greedy_returns(online, envs, obs, seeds, gamma).mean(axis=1).tolist()
    finally:
        envs.close()


def bias_at(online: torch.nn.Module, states: list[list[np.ndarray]], env_id: str, gamma: float) -> list[float]:
    """Per seed, the mean of max_a Q(s, a) minus the greedy policy's continuation return over its
    states (NaN for a seed without states, or an env that cannot be restored)."""
    seeds = len(states)
    if env_id not in RESTORABLE or not any(states):
        return [math.nan] * seeds
    count = max(len(each) for each in states)
    obs_dim = next(len(state) for each in states for state in each)
    batch = np.zeros((seeds, count, obs_dim), dtype=np.float32)
    real = np.zeros((seeds, count), dtype=bool)
    for s, each in enumerate(states):
        for k in range(count):
            batch[s, k] = each[k % len(each)] if each else 0.0  # padding repeats a real state
            real[s, k] = k < len(each)
    with torch.no_grad():
        q = online(torch.as_tensor(batch)).max(dim=-1).values.double().numpy()
    returns = continuation_returns(online, batch, env_id, gamma)
    return [float((q[s] - returns[s])[real[s]].mean()) if real[s].any() else math.nan for s in range(seeds)]
