"""The value a greedy policy really has from a state: its discounted return without a time limit.

DQN003's claim is that storing time-limit cuts as terminal biases Q low at the states where the
limit cuts episodes. To test it directly, each such state is restored in an env without the limit
and the agent's own greedy policy is played from it, to a horizon where gamma^k < 1%: the return
is what Q should be there, if the agent learned its own policy's value. The difference Q - return
is the bias. Only envs whose observation is their whole state, with a vectorised implementation in
gymnasium, can be restored this way (CartPole).
"""

from __future__ import annotations

import math

import numpy as np
import torch

RESTORABLE = frozenset({"CartPole-v1"})  # the observation is the env's whole state
NEGLIGIBLE_WEIGHT = 0.01  # the rollout stops where gamma^k falls below this


def horizon(gamma: float) -> int:
    """Steps until gamma^k < 1%: 459 for gamma 0.99 (the rest of an endless episode adds < 1)."""
    return math.ceil(math.log(NEGLIGIBLE_WEIGHT) / math.log(gamma))


def continuation_returns(online: torch.nn.Module, states: np.ndarray, env_id: str, gamma: float) -> np.ndarray:
    """The discounted return of each seed's greedy policy from each of its states, `[S, K]`.

    `states` is `[S, K, obs_dim]` (seed s's states for seed s's network); `online` maps
    `[S, B, obs_dim]` to `[S, B, actions]`, as the reference agent's QNet does. The states are
    restored in gymnasium's vectorised env (all S*K at once), with no time limit in reach."""
    import gymnasium as gym

    seeds, count = states.shape[:2]
    envs = gym.make_vec(env_id, num_envs=seeds * count, vectorization_mode="vector_entry_point")
    try:
        envs.reset(seed=0)
        core = envs.unwrapped
        core.max_episode_steps = horizon(gamma) + 1
        core.state = states.reshape(seeds * count, -1).T.astype(core.state.dtype).copy()
        obs = states.astype(np.float32).copy()
        returns = np.zeros(seeds * count)
        alive = np.ones(seeds * count, dtype=bool)
        weight = 1.0
        for _ in range(horizon(gamma)):
            with torch.no_grad():
                actions = online(torch.as_tensor(obs)).argmax(dim=-1).numpy().reshape(-1)
            next_obs, rewards, terminated, _truncated, _infos = envs.step(actions)
            returns += weight * np.where(alive, rewards, 0.0)
            alive &= ~terminated
            obs = np.asarray(next_obs, dtype=np.float32).reshape(seeds, count, -1)
            weight *= gamma
            if not alive.any():
                break
    finally:
        envs.close()
    return returns.reshape(seeds, count)


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
