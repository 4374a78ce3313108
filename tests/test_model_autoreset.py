"""The program model's vector environments: autoreset modes, and how their steps are stored."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from dqn_lint.model import AutoresetMode, build_model
from dqn_lint.model.vector_envs import VectorEnvs

NEXT, SAME, DISABLED = AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED

_LEARN = """
import random
import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

q_net = torch.nn.Linear(4, 2)
target = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(q_net.parameters())
memory = []


def learn():
    s, a, r, s2, term = (torch.as_tensor(np.array(x)) for x in zip(*random.sample(memory, 64)))
    with torch.no_grad():
        y = r + 0.99 * target(s2).max(1).values * (1 - term)
    loss = F.mse_loss(q_net(s).gather(1, a[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _model(source: str):
    return build_model(cst.parse_module(textwrap.dedent(source)))


def _modes_of_step(source: str) -> set[AutoresetMode] | None:
    """The modes of the envs the program's one `envs.step(...)` steps; None when it is no vector env."""
    model = _model(source)
    step = next(call for call in model.dataflow.method_calls["step"] if model.code(call.func.value) == "envs")
    envs = VectorEnvs(model.dataflow).stepped_by(step)
    return {mode for env in envs for mode in env.modes} if envs else None


def _stepping(construction: str, prelude: str = "import gymnasium as gym\n") -> str:
    return f"{prelude}envs = {construction}\nenvs.step(envs.action_space.sample())\n"


@pytest.mark.parametrize(
    "construction, modes",
    [
        ('gym.make_vec("CartPole-v1", num_envs=4)', {NEXT, SAME}),  # 0.29's make_vec resets in the same step
        ('gym.make_vec("CartPole-v1", 4, vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP})', {SAME}),
        ('gym.make_vec("CartPole-v1", 4, vector_kwargs={"copy": False})', {NEXT, SAME}),
        ('gym.experimental.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2)', {SAME}),
        ('gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2)', {NEXT, SAME}),
        ('gym.vector.AsyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2, autoreset_mode="SameStep")', {SAME}),
        ('gym.vector.SyncVectorEnv([], autoreset_mode=gym.vector.AutoresetMode("Disabled"))', {DISABLED}),
        ('gym.vector.make("CartPole-v1", num_envs=4)', {SAME}),
        ('gym.wrappers.vector.RecordEpisodeStatistics(gym.make_vec("CartPole-v1", num_envs=4))', {NEXT}),
        ('gym.vector.SyncVectorEnv([], autoreset_mode=settings.mode)', {NEXT, SAME, DISABLED}),
    ],
)
def test_the_autoreset_mode_is_read_from_the_construction(construction, modes):
    assert _modes_of_step(_stepping(construction)) == modes


def test_code_that_names_api_only_gymnasium_1_has_gets_its_next_step_default():
    named = "import gymnasium as gym\nMODES = list(gym.vector.AutoresetMode)\n"
    assert _modes_of_step(_stepping('gym.make_vec("CartPole-v1", num_envs=4)', named)) == {NEXT}
    assert _modes_of_step(_stepping('gym.vector.SyncVectorEnv([])', named)) == {NEXT}


def test_stable_baselines3_vec_envs_reset_in_the_same_step():
    prelude = "import gymnasium as gym\nfrom stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack\n"
    assert _modes_of_step(_stepping('VecFrameStack(DummyVecEnv([lambda: gym.make("CartPole-v1")]), 4)', prelude)) == {SAME}


def test_a_mode_held_in_a_variable_is_followed():
    source = """
    import gymnasium as gym
    from gymnasium.vector import AutoresetMode
    mode = AutoresetMode.SAME_STEP
    envs = gym.vector.SyncVectorEnv([], autoreset_mode=mode)
    envs.step(0)
    """
    assert _modes_of_step(source) == {SAME}


def test_a_factory_is_read_for_the_call_that_made_the_env():
    factory = """
    import gymnasium as gym

    def make_envs(n, same_step):
        kwargs = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP} if same_step else {}
        return gym.make_vec("CartPole-v1", num_envs=n, vector_kwargs=kwargs)

    evaluation = make_envs(8, same_step=False)
    envs = make_envs(2, same_step=FLAG)
    envs.step(0)
    """
    assert _modes_of_step(factory.replace("FLAG", "True")) == {SAME}
    assert _modes_of_step(factory.replace("FLAG", "False")) == {NEXT}


def test_a_single_env_or_an_env_that_may_be_one_is_no_vector_env():
    assert _modes_of_step(_stepping('gym.make("CartPole-v1")')) is None
    either = 'gym.make_vec("CartPole-v1", 4) if vectorised else gym.make("CartPole-v1")'
    assert _modes_of_step(_stepping(either, "import gymnasium as gym\nvectorised = True\n")) is None


def _store(source: str):
    stores = _model(_LEARN + textwrap.dedent(source)).autoreset_stores
    assert len(stores) == 1, stores
    return stores[0]


def test_a_store_of_every_step_neither_skips_nor_uses_the_final_observation():
    store = _store("""
    envs = gym.make_vec("CartPole-v1", num_envs=4)
    obs, _ = envs.reset()
    while True:
        next_obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
        for j in range(4):
            memory.append((obs[j], 0, rewards[j], next_obs[j], terminations[j]))
        obs = next_obs
        learn()
    """)
    assert (store.skips_finished, store.uses_final_observation) == (False, False)
    assert store.wrong_in_every_mode
    assert cst.Module([]).code_for_node(store.store) == "next_obs[j]"


def test_the_documented_skip_reads_flags_kept_from_the_previous_pass():
    store = _store("""
    envs = gym.make_vec("CartPole-v1", num_envs=4)
    obs, _ = envs.reset()
    autoreset = np.zeros(4, dtype=bool)
    while True:
        next_obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
        for j in range(4):
            if not autoreset[j]:
                memory.append((obs[j], 0, rewards[j], next_obs[j], terminations[j]))
        obs = next_obs
        autoreset = np.logical_or(terminations, truncations)
        learn()
    """)
    assert store.skips_finished and not store.wrong_in_every_mode


def test_a_helper_that_gives_the_observations_back_has_not_stored_them():
    store = _store("""
    def final_observations(next_obs, infos):
        real = next_obs.copy()
        for i in np.flatnonzero(infos["_final_obs"]):
            real[i] = infos["final_obs"][i]
        return real

    envs = gym.make_vec("CartPole-v1", num_envs=4, vector_kwargs={"autoreset_mode": "SameStep"})
    obs, _ = envs.reset()
    while True:
        next_obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
        real_next_obs = final_observations(next_obs, infos)
        memory.extend(zip(obs, [0] * 4, rewards, real_next_obs, terminations))
        obs = next_obs
        learn()
    """)
    assert store.uses_final_observation and not store.wrong_in_every_mode
    assert cst.Module([]).code_for_node(store.store) == "real_next_obs"


_CLEANRL = """
import gymnasium as gym
import torch
import torch.nn.functional as F
from stable_baselines3.common.buffers import ReplayBuffer

envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(4)])
q_network = torch.nn.Linear(4, 2)
target_network = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(q_network.parameters())
rb = ReplayBuffer(10000, envs.single_observation_space, envs.single_action_space, "cpu"TIMEOUTS)
obs, _ = envs.reset(seed=0)
for global_step in range(10000):
    next_obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
    real_next_obs = next_obs.copy()
    for idx, trunc in enumerate(truncations):
        if trunc:
            real_next_obs[idx] = infos["final_observation"][idx]
    rb.add(obs, STORED, 0, rewards, DONES, infos)
    obs = next_obs
    data = rb.sample(128)
    with torch.no_grad():
        td_target = data.rewards.flatten() + 0.99 * target_network(data.next_observations).max(1)[0] * (1 - data.dones.flatten())
    loss = F.mse_loss(td_target, q_network(data.observations).gather(1, data.actions).squeeze())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _cleanrl(stored: str, dones: str = "terminations", timeouts: str = ", handle_timeout_termination=False"):
    return _model(_CLEANRL.replace("STORED", stored).replace("DONES", dones).replace("TIMEOUTS", timeouts))


def test_a_field_of_a_stable_baselines3_batch_is_what_add_stored_in_its_place():
    substituted, returned = (_cleanrl(stored).autoreset_stores for stored in ("real_next_obs", "next_obs"))
    assert [store.uses_final_observation for store in substituted] == [True]
    assert [store.uses_final_observation for store in returned] == [False]
    assert returned[0].wrong_in_every_mode


def test_a_memory_optimised_stable_baselines3_buffer_reads_next_states_from_the_next_observation():
    model = _model(_CLEANRL.replace("STORED", "real_next_obs").replace("DONES", "terminations")
                   .replace("TIMEOUTS", ", optimize_memory_usage=True, handle_timeout_termination=False"))
    (store,) = model.autoreset_stores
    assert not store.uses_final_observation  # the substituted final observation is never read back
    assert cst.Module([]).code_for_node(store.store) == "obs"


def test_stable_baselines3_dones_carry_their_flags_only_without_its_timeout_handling():
    def mask_kinds(model):
        target = model.td_targets[0]
        return {source.kind.value for mask in target.masks for source in model.mask_sources(mask)}

    assert mask_kinds(_cleanrl("real_next_obs", "terminations | truncations")) == {"terminated-or-truncated"}
    assert mask_kinds(_cleanrl("real_next_obs", "terminations")) == {"terminated"}
    # by default SB3 takes `TimeLimit.truncated` time-outs back out of the sampled dones
    assert mask_kinds(_cleanrl("real_next_obs", "terminations | truncations", timeouts="")) <= {"unknown"}
