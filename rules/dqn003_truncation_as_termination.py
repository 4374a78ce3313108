"""DQN003 truncation-as-termination: the terminal mask of a TD target includes time-limit truncation.

Gymnasium's `env.step` reports two different ends of an episode: `terminated` (the MDP reached a
terminal state, whose value is zero) and `truncated` (a time limit or other outside condition cut
the episode; the state is not terminal and its value is not zero). The old gym API folded both into
one `done`. A TD target must stop bootstrapping only on termination. When the mask that zeroes the
bootstrap is traced back (through assignments, `self.` attributes, helper parameters, replay-buffer
store and sample calls, tensor conversions) to `terminated or truncated`, to `truncated` alone, or to
an old-gym `done` never corrected with `info["TimeLimit.truncated"]`, every time-out is learned as a
death. The meaning of a flag comes from its position in the `env.step` result, never from its name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Applicability, Finding, Fix, Severity
from dqn_lint.rule import Rule, RuleDocs
from dqn_lint.experiment import Experiment, Measure, Observation, Probe, ProbeSite, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel

# An emulator driven without gym and a structured-array buffer (Kaixhin/Rainbow's shape); the
# examples differ only in the line that reads the end of the episode, between the two halves.
_ALE_HEAD = """\
import copy

import ale_py
import numpy as np
import torch

Transition_dtype = np.dtype([("state", np.float32, (128,)), ("action", np.int64), ("reward", np.float32), ("nonterminal", np.bool_)])
blank = (np.zeros(128, dtype=np.float32), 0, 0.0, False)


class Atari:
    def __init__(self, rom):
        self.ale = ale_py.ALEInterface()
        self.ale.setInt("max_num_frames_per_episode", 108_000)
        self.ale.loadROM(rom)
        self.actions = self.ale.getMinimalActionSet()

    def reset(self):
        self.ale.reset_game()
        return self.ale.getRAM().astype(np.float32)

    def step(self, action):
        reward = self.ale.act(self.actions[action])
"""
_ALE_TAIL = """\
        return self.ale.getRAM().astype(np.float32), reward, done


class Memory:
    def __init__(self, size):
        self.index, self.size = 0, size
        self.data = np.array([blank] * size, dtype=Transition_dtype)

    def append(self, state, action, reward, done):
        self.data[self.index % self.size] = (state, action, reward, not done)
        self.index += 1

    def sample(self, n):
        idxs = np.random.randint(0, min(self.index, self.size) - 1, size=n)
        rows, following = self.data[idxs], self.data[(idxs + 1) % self.size]
        return (
            torch.as_tensor(rows["state"]),
            torch.as_tensor(rows["action"]),
            torch.as_tensor(rows["reward"]),
            torch.as_tensor(following["state"]),
            torch.as_tensor(rows["nonterminal"], dtype=torch.float32),
        )


env, memory = Atari("pong.bin"), Memory(100_000)
q = torch.nn.Linear(128, len(env.actions))
q_target = copy.deepcopy(q)
optimizer = torch.optim.Adam(q.parameters(), lr=1e-4)
state = env.reset()
for step in range(100_000):
    action = np.random.randint(len(env.actions))
    next_state, reward, done = env.step(action)
    memory.append(state, action, reward, done)
    state = env.reset() if done else next_state
    if step < 1_000:
        continue
    s, a, r, s2, nonterminal = memory.sample(32)
    with torch.no_grad():
        y = r + 0.99 * nonterminal * q_target(s2).max(1).values
    loss = ((q(s).gather(1, a.unsqueeze(1)).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 1_000 == 0:
        q_target.load_state_dict(q.state_dict())
"""

VALID: tuple[str, ...] = (
    # The same emulator, masking with the end of the game alone: `with_truncation=False`.
    _ALE_HEAD + "        done = self.ale.game_over(with_truncation=False)\n" + _ALE_TAIL,
    # pytorch-soft-actor-critic's mask: at the env's own time limit the mask is 1 (bootstrap).
    """\
import gym
import torch

env = gym.make("Pendulum-v1")
actor = torch.nn.Linear(3, 1)
critic = torch.nn.Linear(4, 1)
critic_t = torch.nn.Linear(4, 1)
optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
memory = []
state, steps = env.reset(), 0
for t in range(10_000):
    action = actor(torch.as_tensor(state, dtype=torch.float32)).detach().numpy()
    next_state, reward, done, _ = env.step(action)
    steps += 1
    mask = 1 if steps == env._max_episode_steps else float(not done)
    memory.append((state, action, reward, next_state, mask))
    state = next_state
    if done:
        state, steps = env.reset(), 0
    s, a, r, s2, m = (torch.as_tensor(x, dtype=torch.float32) for x in zip(*memory[-64:]))
    with torch.no_grad():
        y = r + 0.99 * m * critic_t(torch.cat([s2, actor(s2)], 1)).squeeze(1)
    loss = ((critic(torch.cat([s, a], 1)).squeeze(1) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # `terminated or truncated` only resets the episode; `terminated` is stored.
    """\
import random
from collections import deque

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target.load_state_dict(online.state_dict())
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
replay = deque(maxlen=100_000)
gamma = 0.99

state, _ = env.reset()
for t in range(50_000):
    action = env.action_space.sample()
    next_state, reward, terminated, truncated, _ = env.step(action)
    replay.append((state, action, reward, next_state, terminated))
    state = env.reset()[0] if terminated or truncated else next_state
    if len(replay) < 128:
        continue
    s, a, r, s2, d = zip(*random.sample(replay, 128))
    d = torch.tensor(d, dtype=torch.float32)
    with torch.no_grad():
        y = torch.tensor(r) + gamma * target(torch.tensor(s2)).max(1)[0] * (1 - d)
    q = online(torch.tensor(s)).gather(1, torch.tensor(a)[:, None]).squeeze(1)
    loss = F.mse_loss(q, y.float())
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # `done = terminated`: a name is not a meaning; `terminated or truncated` only breaks the loop.
    """\
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("Acrobot-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(6, 128), torch.nn.ReLU(), torch.nn.Linear(128, 3))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=5e-4)
gamma = 0.99


def update(s, a, r, s2, done):
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - done)
    loss = F.smooth_l1_loss(q_net(s)[0, a], y[0])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


obs, _ = env.reset(seed=0)
while True:
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    done = terminated
    update(torch.as_tensor(obs)[None], action, reward, torch.as_tensor(next_obs)[None], done)
    obs = next_obs
    if terminated or truncated:
        break
""",
    # A separate timeout flag: the stored `done` is corrected with `dones * (1 - timeouts)`.
    """\
import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F


class Buffer:
    def __init__(self):
        self.data = []

    def add(self, *transition):
        self.data.append(transition)

    def sample(self, n):
        rows = [self.data[i] for i in np.random.randint(len(self.data), size=n)]
        return [torch.as_tensor(np.array(col), dtype=torch.float32) for col in zip(*rows)]


env = gym.make("MountainCar-v0")
online = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
target = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
buffer = Buffer()
gamma = 0.99
obs, _ = env.reset()
for step in range(20_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated
    buffer.add(obs, action, reward, next_obs, done, truncated and not terminated)
    obs = env.reset()[0] if done else next_obs
    s, a, r, s2, dones, timeouts = buffer.sample(32)
    dones = dones * (1 - timeouts)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - dones)
    loss = F.mse_loss(online(s).gather(1, a.long()[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Old gym: `done` corrected with info["TimeLimit.truncated"] before it is stored.
    """\
import random

import gym
import torch
import torch.nn as nn

env = gym.make("CartPole-v1")
model = nn.Sequential(nn.Linear(4, 24), nn.ReLU(), nn.Linear(24, 2))
target_model = nn.Sequential(nn.Linear(4, 24), nn.ReLU(), nn.Linear(24, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
memory, gamma = [], 0.95
state = env.reset()
for t in range(10_000):
    action = env.action_space.sample()
    next_state, reward, done, info = env.step(action)
    terminal = done and not info.get("TimeLimit.truncated", False)
    memory.append((state, action, reward, next_state, terminal))
    state = env.reset() if done else next_state
    if len(memory) >= 32:
        s, a, r, s2, d = map(torch.tensor, zip(*random.sample(memory, 32)))
        with torch.no_grad():
            y = r + gamma * target_model(s2.float()).max(1)[0] * (1 - d.float())
        q = model(s.float()).gather(1, a[:, None]).squeeze(1)
        loss = nn.functional.mse_loss(q, y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # A buffer from another package: its sample() cannot be seen, so the trace stops.
    """\
import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from stable_baselines3.common.buffers import ReplayBuffer

env = gym.make("CartPole-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=2.5e-4)
rb = ReplayBuffer(10_000, env.observation_space, env.action_space, handle_timeout_termination=True)
gamma = 0.99
obs, _ = env.reset(seed=0)
for step in range(50_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, info = env.step(action)
    done = terminated or truncated
    info["TimeLimit.truncated"] = truncated and not terminated
    rb.add(obs, next_obs, np.array([action]), np.array([reward]), np.array([done]), [info])
    obs = env.reset()[0] if done else next_obs
    if step > 1_000:
        data = rb.sample(32)
        with torch.no_grad():
            target_max, _ = target_net(data.next_observations).max(dim=1)
            td_target = data.rewards.flatten() + gamma * target_max * (1 - data.dones.flatten())
        old_val = q_net(data.observations).gather(1, data.actions).squeeze()
        loss = F.mse_loss(td_target, old_val)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # Names that lie, in the harmless direction: position 2 (terminated) is called `over`.
    """\
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
policy = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
target = copy.deepcopy(policy)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
gamma = 0.99


def td_update(s, a, r, s2, terminal):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminal)
    loss = F.mse_loss(policy(s)[0, a], y[0])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


state, _ = env.reset()
for step in range(100_000):
    action = env.action_space.sample()
    new_state, reward, over, cut, _ = env.step(action)
    td_update(torch.as_tensor(state)[None], action, reward, torch.as_tensor(new_state)[None], over)
    state = env.reset()[0] if over or cut else new_state
""",
    # CleanRL style on a vector env: terminations are stored, truncations only reset.
    """\
import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F


class ReplayBuffer:
    def __init__(self):
        self.storage = []

    def push(self, obs, act, rew, next_obs, done):
        self.storage.append((obs, act, rew, next_obs, done))

    def sample(self, n):
        idx = np.random.randint(len(self.storage), size=n)
        cols = zip(*[self.storage[i] for i in idx])
        return [torch.as_tensor(np.array(c), dtype=torch.float32) for c in cols]


envs = gym.make_vec("CartPole-v1", num_envs=4)
q_net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
target_net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=5e-4)
rb = ReplayBuffer()
gamma = 0.99
obs, _ = envs.reset(seed=1)
for step in range(100_000):
    actions = envs.action_space.sample()
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    for i in range(envs.num_envs):
        rb.push(obs[i], actions[i], rewards[i], next_obs[i], terminations[i])
    obs = next_obs
    s, a, r, s2, d = rb.sample(32)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - d)
    q = q_net(s).gather(1, a.long()[:, None]).squeeze(1)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Old gym: the flag is cleared with an if-statement when the time limit cut the episode.
    """\
import random
from collections import deque

import gym
import torch
import torch.nn.functional as F

env = gym.make("MountainCar-v0")
q_net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
q_target = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
memory = deque(maxlen=50_000)
gamma = 0.99
state = env.reset()
for t in range(20_000):
    action = env.action_space.sample()
    next_state, reward, done, info = env.step(action)
    terminal = done
    if info.get("TimeLimit.truncated", False):
        terminal = False
    memory.append((state, action, reward, next_state, terminal))
    state = env.reset() if done else next_state
    for s, a, r, s2, d in random.sample(memory, min(len(memory), 16)):
        with torch.no_grad():
            y = r + gamma * q_target(torch.as_tensor(s2)[None]).max(1)[0] * (1 - d)
        loss = F.mse_loss(q_net(torch.as_tensor(s)[None])[:, a], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # A namedtuple transition stored by keyword with `terminated`.
    """\
import random
from collections import namedtuple

import torch
import torch.nn.functional as F

Transition = namedtuple("Transition", ("state", "action", "reward", "next_state", "done"))


class ReplayMemory:
    def __init__(self):
        self.memory = []

    def push(self, *args, **kwargs):
        self.memory.append(Transition(*args, **kwargs))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)


def play_and_learn(env, policy_net, target_net, optimizer, memory, state, gamma=0.99):
    action = env.action_space.sample()
    next_state, reward, terminated, truncated, _ = env.step(action)
    memory.push(state=state, action=action, reward=reward, next_state=next_state, done=terminated)
    if len(memory.memory) < 64:
        return next_state, terminated or truncated
    batch = Transition(*zip(*memory.sample(64)))
    done_batch = torch.tensor(batch.done, dtype=torch.float32)
    with torch.no_grad():
        next_q = target_net(torch.tensor(batch.next_state)).max(1)[0]
    expected = torch.tensor(batch.reward) + gamma * next_q * (1 - done_batch)
    q = policy_net(torch.tensor(batch.state)).gather(1, torch.tensor(batch.action)[:, None])
    loss = F.smooth_l1_loss(q.squeeze(1), expected.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return next_state, terminated or truncated
""",
    # An agent class: `terminated` flows through self.buffer across methods.
    """\
import copy

import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net, buffer, gamma=0.99):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.buffer = buffer
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-4)

    def step(self, env, obs):
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, _ = env.step(action)
        self.buffer.append((obs, action, reward, next_obs, float(terminated)))
        return next_obs, terminated or truncated

    def learn(self, indices):
        s, a, r, s2, d = (torch.as_tensor(x) for x in zip(*[self.buffer[i] for i in indices]))
        with torch.no_grad():
            y = r + self.gamma * self.q_target(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(self.q(s).gather(1, a[:, None]).squeeze(1), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
""",
    # Tensor conversions of `terminated` before it is stored in a tensor buffer.
    """\
import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
online = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
gamma = 0.99
transitions = []
obs, _ = env.reset()
for step in range(10_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    term = torch.tensor(terminated, dtype=torch.float32).unsqueeze(0)
    transitions.append((torch.as_tensor(obs), action, reward, torch.as_tensor(next_obs), term))
    obs = env.reset()[0] if terminated or truncated else next_obs
    s, a, r, s2, d = zip(*transitions[-32:])
    d = torch.cat(d)
    with torch.no_grad():
        y = torch.tensor(r) + gamma * target(torch.stack(s2)).max(1)[0] * (1 - d)
    q = online(torch.stack(s)).gather(1, torch.tensor(a)[:, None]).squeeze(1)
    loss = F.mse_loss(q, y.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # A helper receives `terminated` as its mask argument (online Q-learning, no replay).
    """\
import numpy as np
import torch
import torch.nn.functional as F


def q_update(q_net, target_net, optimizer, s, a, r, s2, terminal, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target_net(s2).amax(1) * (1.0 - terminal)
    loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def run_episode(env, q_net, target_net, optimizer):
    obs, _ = env.reset()
    done = False
    while not done:
        action = int(np.random.randint(env.action_space.n))
        next_obs, reward, terminated, truncated, _ = env.step(action)
        q_update(
            q_net, target_net, optimizer,
            torch.as_tensor(obs)[None], torch.tensor([[action]]), reward,
            torch.as_tensor(next_obs)[None], terminated,
        )
        done = terminated or truncated
        obs = next_obs
""",
    # The episode walks through a price series and ends with it: the step counter indexes the data,
    # so its bound is the task's own end, not a time limit.
    """\
import numpy as np
import torch
import torch.nn.functional as F


class TradingEnv:
    def __init__(self, prices, window=4):
        self.prices, self.window = prices, window
        self.last = len(prices) - 1

    def reset(self):
        self.t = self.window
        return self.observe(self.t)

    def observe(self, t):
        return np.asarray(self.prices[t - self.window : t], dtype=np.float32)

    def step(self, action):
        reward = (self.prices[self.t + 1] - self.prices[self.t]) * action
        self.t += 1
        done = self.t == self.last
        return self.observe(self.t), reward, done, {}


env = TradingEnv(np.cumsum(np.random.randn(500)))
online = torch.nn.Linear(4, 2)
target = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(online.parameters())
obs = env.reset()
for step in range(5_000):
    action = int(np.random.randint(2))
    nxt, reward, done, _ = env.step(action)
    with torch.no_grad():
        y = reward + 0.99 * target(torch.as_tensor(nxt)).max() * (1 - float(done))
    loss = F.mse_loss(online(torch.as_tensor(obs))[action], y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    obs = env.reset() if done else nxt
""",
    # Spinning Up: the loop cuts episodes at its own step limit and stores `False` for those cuts.
    """\
import gym
import torch
import torch.nn.functional as F

env = gym.make("MountainCar-v0")
online = torch.nn.Linear(2, 3)
target = torch.nn.Linear(2, 3)
opt = torch.optim.Adam(online.parameters())
max_ep_len = 150
o, ep_len = env.reset(), 0
for t in range(20_000):
    a = env.action_space.sample()
    o2, r, d, _ = env.step(a)
    ep_len += 1
    d = False if ep_len == max_ep_len else d
    with torch.no_grad():
        y = r + 0.99 * target(torch.as_tensor(o2, dtype=torch.float32)).max() * (1 - float(d))
    loss = F.mse_loss(online(torch.as_tensor(o, dtype=torch.float32))[a], y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    o = o2
    if d or ep_len == max_ep_len:
        o, ep_len = env.reset(), 0
""",
    # A batch from a library buffer: `timeouts` is taken back out of `dones` before the mask.
    """\
import torch
import torch.nn.functional as F

q = torch.nn.Linear(4, 2)
tq = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())


def learn(batch):
    dones = batch.dones * (1 - batch.timeouts)
    with torch.no_grad():
        y = batch.rewards + 0.99 * tq(batch.next_obs).max(1)[0] * (1 - dones)
    loss = F.mse_loss(q(batch.obs).gather(1, batch.actions).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
)

INVALID: tuple[str, ...] = (
    # The emulator used without gym (Kaixhin/Rainbow): a frame limit is set, so `game_over()` is
    # also True at the cut; the flag is stored in a numpy structured array, read back by field name.
    _ALE_HEAD + "        done = self.ale.game_over()  # expect\n" + _ALE_TAIL,
    # A DDPG critic: the target critic is evaluated at the target actor's action, and the stored
    # flag is `terminated or truncated`.
    """\
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F


class Critic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(4, 1)

    def forward(self, state, action):
        return self.net(torch.cat([state, action], dim=-1))


env = gym.make("Pendulum-v1")
actor, critic = torch.nn.Linear(3, 1), Critic()
actor_t, critic_t = copy.deepcopy(actor), copy.deepcopy(critic)
optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
memory = []
state, _ = env.reset()
for step in range(10_000):
    action = actor(torch.as_tensor(state)).detach().numpy()
    next_state, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated  # expect
    memory.append((state, action, reward, next_state, done))
    state = env.reset()[0] if done else next_state
    s, a, r, s2, d = (torch.as_tensor(x, dtype=torch.float32) for x in zip(*memory[-64:]))
    with torch.no_grad():
        y = r.unsqueeze(1) + 0.99 * (1 - d.unsqueeze(1)) * critic_t(s2, actor_t(s2))
    loss = F.mse_loss(critic(s, a), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Discrete SAC: the next state's soft value is the expectation over the policy's actions
    # (probabilities times the target critics' values, summed), and old gym's `done` is stored.
    """\
import copy

import gym
import torch

actor = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Softmax(dim=-1))
critic = torch.nn.Linear(4, 2)
critic_t = copy.deepcopy(critic)
optimizer = torch.optim.Adam(critic.parameters(), lr=3e-4)
env = gym.make("CartPole-v1")
state = env.reset()
for step in range(10_000):
    action = env.action_space.sample()
    next_state, reward, done, _ = env.step(action)  # expect
    s, s2 = torch.as_tensor([state]), torch.as_tensor([next_state])
    with torch.no_grad():
        probs = actor(s2)
        soft_value = (probs * (critic_t(s2) - 0.2 * torch.log(probs + 1e-8))).sum(1)
        y = reward + 0.99 * (1 - float(done)) * soft_value
    loss = (critic(s)[0, action] - y).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    critic_t.load_state_dict(critic.state_dict())
    state = env.reset() if done else next_state
""",
    # baselines' SubprocVecEnv, copied into the project: old gym's `done` is made in the workers and
    # sent back through pipes; the finding stands where the training loop receives it.
    """\
from multiprocessing import Pipe, Process

import gym
import numpy as np
import torch


def worker(remote, make_env):
    env = make_env()
    while True:
        cmd, data = remote.recv()
        if cmd == "step":
            ob, reward, done, info = env.step(data)
            if done:
                ob = env.reset()
            remote.send((ob, reward, done, info))
        else:
            remote.send(env.reset())


class SubprocVecEnv:
    def __init__(self, env_fns):
        self.remotes, work_remotes = zip(*[Pipe() for _ in env_fns])
        for work_remote, env_fn in zip(work_remotes, env_fns):
            Process(target=worker, args=(work_remote, env_fn), daemon=True).start()

    def step(self, actions):
        for remote, action in zip(self.remotes, actions):
            remote.send(("step", action))
        obs, rews, dones, infos = zip(*[remote.recv() for remote in self.remotes])
        return np.stack(obs), np.stack(rews), np.stack(dones), infos


envs = SubprocVecEnv([lambda: gym.make("CartPole-v1") for _ in range(8)])
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_tgt = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
for step in range(10_000):
    actions = np.random.randint(2, size=8)
    next_obs, rewards, dones, infos = envs.step(actions)  # expect
    s2 = torch.as_tensor(next_obs, dtype=torch.float32)
    d = torch.as_tensor(dones, dtype=torch.float32)
    r = torch.as_tensor(rewards, dtype=torch.float32)
    with torch.no_grad():
        y = r + 0.99 * q_tgt(s2).max(1).values * (1 - d)
    q = q_net(s2).max(1).values
    loss = torch.nn.functional.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # The worked example: positions 2 and 3 of env.step are or-ed into the stored flag.
    """\
import random
from collections import deque

import gymnasium as gym
import torch


class Memory:
    def __init__(self, capacity):
        self.items = deque(maxlen=capacity)

    def remember(self, *transition):
        self.items.append(transition)

    def batch(self, n):
        columns = zip(*random.sample(self.items, n))
        return [torch.tensor(c, dtype=torch.float32) for c in columns]


env = gym.make("CartPole-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
q_tgt = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
mem = Memory(50_000)
gamma = 0.99
obs, _ = env.reset(seed=0)
for step in range(20_000):
    act = env.action_space.sample()
    nxt, rew, a_flag, b_flag, info = env.step(act)
    finished = a_flag or b_flag  # expect
    mem.remember(obs, act, rew, nxt, finished)
    obs = env.reset()[0] if finished else nxt
    if step >= 1_000:
        s, a, r, s2, d = mem.batch(64)
        with torch.no_grad():
            y = r + gamma * q_tgt(s2).max(1).values * (1 - d)
        loss = torch.nn.functional.mse_loss(q_net(s).gather(1, a.long()[:, None]).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # A deque buffer sampled with random.sample and zip(*batch) on MountainCar (200-step limit).
    """\
import random
from collections import deque

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("MountainCar-v0")
online = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
target = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
target.load_state_dict(online.state_dict())
opt = torch.optim.Adam(online.parameters(), lr=1e-3)
replay = deque(maxlen=100_000)
gamma = 0.99

state, _ = env.reset()
for t in range(50_000):
    action = env.action_space.sample()
    next_state, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated  # expect
    replay.append((state, action, reward, next_state, done))
    state = env.reset()[0] if done else next_state
    if len(replay) < 128:
        continue
    s, a, r, s2, d = zip(*random.sample(replay, 128))
    d = torch.tensor(d, dtype=torch.float32)
    with torch.no_grad():
        y = torch.tensor(r) + gamma * target(torch.tensor(s2)).max(1)[0] * (1 - d)
    q = online(torch.tensor(s)).gather(1, torch.tensor(a)[:, None]).squeeze(1)
    loss = F.mse_loss(q, y.float())
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    # `|` of the two flags, stored through a buffer class with push/sample.
    """\
import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F


class ReplayBuffer:
    def __init__(self):
        self.storage = []

    def push(self, obs, act, rew, next_obs, done):
        self.storage.append((obs, act, rew, next_obs, done))

    def sample(self, n):
        idx = np.random.randint(len(self.storage), size=n)
        cols = zip(*[self.storage[i] for i in idx])
        return [torch.as_tensor(np.array(c), dtype=torch.float32) for c in cols]


env = gym.make("Acrobot-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(6, 128), torch.nn.ReLU(), torch.nn.Linear(128, 3))
target_net = torch.nn.Sequential(torch.nn.Linear(6, 128), torch.nn.ReLU(), torch.nn.Linear(128, 3))
optimizer = torch.optim.Adam(q_net.parameters(), lr=5e-4)
rb = ReplayBuffer()
gamma = 0.99
obs, _ = env.reset(seed=1)
for step in range(100_000):
    action = env.action_space.sample()
    next_obs, reward, term, trunc, info = env.step(action)
    done = term | trunc  # expect
    rb.push(obs, action, reward, next_obs, done)
    obs = env.reset()[0] if done else next_obs
    s, a, r, s2, d = rb.sample(32)
    with torch.no_grad():
        y = r + gamma * target_net(s2).max(1)[0] * (1 - d)
    loss = F.mse_loss(q_net(s).gather(1, a.long()[:, None]).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # torch.logical_or on a vector env, learning online from each batch of steps.
    """\
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

envs = gym.make_vec("CartPole-v1", num_envs=16)
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99

obs, _ = envs.reset(seed=0)
obs = torch.as_tensor(obs)
for step in range(10_000):
    with torch.no_grad():
        actions = q_net(obs).argmax(1)
    next_obs, rewards, terminated, truncated, _ = envs.step(actions.numpy())
    next_obs = torch.as_tensor(next_obs)
    dones = torch.logical_or(torch.as_tensor(terminated), torch.as_tensor(truncated))  # expect
    with torch.no_grad():
        y = torch.as_tensor(rewards) + gamma * target_net(next_obs).max(1)[0] * (1 - dones.float())
    q = q_net(obs).gather(1, actions[:, None]).squeeze(1)
    loss = F.mse_loss(q, y.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    obs = next_obs
""",
    # `truncated` alone is stored as the mask: reported at the env.step line.
    """\
import random
from collections import deque

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("Acrobot-v1")
memory = deque(maxlen=10_000)


def collect(policy, steps):
    s, _ = env.reset()
    for _ in range(steps):
        a = policy(s)
        s2, r, term, trunc, _ = env.step(a)  # expect
        memory.append((s, a, r, s2, trunc))
        s = env.reset()[0] if term or trunc else s2


def learn(online, target, optimizer, gamma=0.99):
    losses = []
    minibatch = random.sample(memory, 32)
    for s, a, r, s2, d in minibatch:
        s, s2 = torch.as_tensor(s)[None], torch.as_tensor(s2)[None]
        with torch.no_grad():
            y = r + gamma * target(s2).max(1)[0] * (1 - d)
        losses.append(F.mse_loss(online(s)[:, a], y))
    loss = torch.stack(losses).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""",
    # Old gym 4-tuple: `done` includes the time limit and is stored as is.
    """\
import random

import gym
import torch
import torch.nn as nn


class DQNAgent:
    def __init__(self, n_obs, n_actions):
        self.memory = []
        self.gamma = 0.95
        self.model = nn.Sequential(nn.Linear(n_obs, 24), nn.ReLU(), nn.Linear(24, n_actions))
        self.target_model = nn.Sequential(nn.Linear(n_obs, 24), nn.ReLU(), nn.Linear(24, n_actions))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def remember(self, state, action, reward, next_state, done):
        self.memory.append((state, action, reward, next_state, done))

    def replay(self, batch_size):
        minibatch = random.sample(self.memory, batch_size)
        for state, action, reward, next_state, done in minibatch:
            with torch.no_grad():
                target = reward + self.gamma * self.target_model(next_state).max(1)[0] * (1 - done)
            loss = nn.functional.mse_loss(self.model(state)[:, action], target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


env = gym.make("CartPole-v1")
agent = DQNAgent(4, 2)
state = torch.tensor(env.reset(), dtype=torch.float32)[None]
for t in range(500):
    action = env.action_space.sample()
    next_state, reward, done, info = env.step(action)  # expect
    next_state = torch.tensor(next_state, dtype=torch.float32)[None]
    agent.remember(state, action, reward, next_state, done)
    state = torch.tensor(env.reset(), dtype=torch.float32)[None] if done else next_state
    if len(agent.memory) > 32:
        agent.replay(32)
""",
    # Names that lie: position 3 is truncation, whatever it is called.
    """\
import copy

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("CartPole-v1")
policy = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
target = copy.deepcopy(policy)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
gamma = 0.99


def td_update(s, a, r, s2, terminal):
    with torch.no_grad():
        y = r + gamma * target(s2).max(1)[0] * (1 - terminal)
    loss = F.mse_loss(policy(s)[0, a], y[0])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


state, _ = env.reset()
for step in range(100_000):
    action = env.action_space.sample()
    new_state, reward, truncated, terminated, _ = env.step(action)  # expect
    td_update(torch.as_tensor(state)[None], action, reward, torch.as_tensor(new_state)[None], terminated)
    state = env.reset()[0] if terminated or truncated else new_state
""",
    # max() of the two flags, stored in a preallocated tensor buffer.
    """\
import torch
import torch.nn.functional as F


class TensorBuffer:
    def __init__(self, size, obs_dim):
        self.s, self.s2 = torch.zeros(size, obs_dim), torch.zeros(size, obs_dim)
        self.a, self.r, self.d = torch.zeros(size, dtype=torch.long), torch.zeros(size), torch.zeros(size)
        self.ptr = 0

    def store(self, s, a, r, s2, d):
        i = self.ptr % len(self.d)
        self.s[i], self.s2[i] = torch.as_tensor(s), torch.as_tensor(s2)
        self.a[i], self.r[i] = a, r
        self.d[i] = d
        self.ptr += 1

    def sample(self, n):
        idx = torch.randint(0, min(self.ptr, len(self.d)), (n,))
        return self.s[idx], self.a[idx], self.r[idx], self.s2[idx], self.d[idx]


def train(env, online, target, optimizer, steps, gamma=0.99):
    buf = TensorBuffer(100_000, 4)
    obs, _ = env.reset()
    for _ in range(steps):
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, _ = env.step(action)
        done = max(terminated, truncated)  # expect
        buf.store(obs, action, reward, next_obs, done)
        obs = env.reset()[0] if done else next_obs
        s, a, r, s2, d = buf.sample(64)
        with torch.no_grad():
            y = r + gamma * target(s2).max(1)[0] * (1 - d)
        loss = F.mse_loss(online(s).gather(1, a[:, None]).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # (terminated + truncated).clamp(max=1) on tensors.
    """\
import copy

import torch
import torch.nn.functional as F


def learn_from_step(env, q, q_targ, opt, obs, gamma=0.99):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    term_t = torch.tensor([terminated], dtype=torch.float32)
    trunc_t = torch.tensor([truncated], dtype=torch.float32)
    done = (term_t + trunc_t).clamp(max=1)  # expect
    s2 = torch.as_tensor(next_obs)[None]
    with torch.no_grad():
        y = reward + gamma * q_targ(s2).max(1)[0] * (1 - done)
    loss = F.mse_loss(q(torch.as_tensor(obs)[None])[:, action], y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return next_obs, bool(done)


net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target_net = copy.deepcopy(net)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
""",
    # any([...]) of the two flags.
    """\
import copy
import random

import gymnasium as gym
import torch
import torch.nn.functional as F

env = gym.make("LunarLander-v3")
q_net = torch.nn.Sequential(torch.nn.Linear(8, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
q_target = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=6.3e-4)
buffer = []
gamma = 0.99
obs, _ = env.reset()
for step in range(200_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    done = any([terminated, truncated])  # expect
    buffer.append((obs, action, reward, next_obs, done))
    obs = env.reset()[0] if done else next_obs
    if len(buffer) >= 64:
        s, a, r, s2, d = zip(*random.sample(buffer, 64))
        d = torch.tensor(d).float()
        with torch.no_grad():
            y = torch.tensor(r) + gamma * q_target(torch.tensor(s2)).max(1)[0] * (1 - d)
        q = q_net(torch.tensor(s)).gather(1, torch.tensor(a)[:, None]).squeeze(1)
        loss = F.smooth_l1_loss(q, y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
""",
    # The conflated flag is made inside the remember(...) call of an agent class.
    """\
import copy
import random
from collections import deque

import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, net, gamma=0.99):
        self.q = net
        self.q_target = copy.deepcopy(net)
        self.memory = deque(maxlen=100_000)
        self.gamma = gamma
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-4)

    def remember(self, s, a, r, s2, done):
        self.memory.append((s, a, r, s2, done))

    def learn(self, batch_size=64):
        s, a, r, s2, d = zip(*random.sample(self.memory, batch_size))
        s, s2 = torch.tensor(s), torch.tensor(s2)
        r = torch.tensor(r).unsqueeze(1)
        d = torch.tensor(d).float().unsqueeze(1)
        with torch.no_grad():
            y = r + self.gamma * self.q_target(s2).max(1, keepdim=True)[0] * (1 - d)
        loss = F.mse_loss(self.q(s).gather(1, torch.tensor(a)[:, None]), y.float())
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


def run(env, agent, steps):
    obs, _ = env.reset()
    for _ in range(steps):
        action = env.action_space.sample()
        obs2, reward, terminated, truncated, _ = env.step(action)
        agent.remember(obs, action, reward, obs2, terminated or truncated)  # expect
        obs = env.reset()[0] if terminated or truncated else obs2
        agent.learn()
""",
    # A namedtuple transition pushed by keyword; the batch field is the mask.
    """\
import random
from collections import namedtuple

import torch
import torch.nn.functional as F

Transition = namedtuple("Transition", ("state", "action", "reward", "next_state", "done"))


class ReplayMemory:
    def __init__(self):
        self.memory = []

    def push(self, *args, **kwargs):
        self.memory.append(Transition(*args, **kwargs))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)


def play_and_learn(env, policy_net, target_net, optimizer, memory, state, gamma=0.99):
    action = env.action_space.sample()
    next_state, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated  # expect
    memory.push(state=state, action=action, reward=reward, next_state=next_state, done=done)
    if len(memory.memory) < 64:
        return next_state, done
    batch = Transition(*zip(*memory.sample(64)))
    done_batch = torch.tensor(batch.done, dtype=torch.float32)
    with torch.no_grad():
        next_q = target_net(torch.tensor(batch.next_state)).max(1)[0]
    expected = torch.tensor(batch.reward) + gamma * next_q * (1 - done_batch)
    q = policy_net(torch.tensor(batch.state)).gather(1, torch.tensor(batch.action)[:, None])
    loss = F.smooth_l1_loss(q.squeeze(1), expected.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return next_state, done
""",
    # np.logical_or passed to a helper's mask parameter (online Q-learning, no replay).
    """\
import numpy as np
import torch
import torch.nn.functional as F


def q_update(q_net, target_net, optimizer, s, a, r, s2, terminal, gamma=0.99):
    with torch.no_grad():
        y = r + gamma * target_net(s2).amax(1) * (1.0 - terminal)
    loss = F.mse_loss(q_net(s).gather(1, a).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def run_episode(env, q_net, target_net, optimizer):
    obs, _ = env.reset()
    done = False
    while not done:
        action = int(np.random.randint(env.action_space.n))
        next_obs, reward, terminated, truncated, _ = env.step(action)
        done = np.logical_or(terminated, truncated)  # expect
        q_update(
            q_net, target_net, optimizer,
            torch.as_tensor(obs)[None], torch.tensor([[action]]), reward,
            torch.as_tensor(next_obs)[None], done,
        )
        obs = next_obs
""",
    # step() and learn() methods share self.buffer (add/sample) and self.gamma.
    """\
import copy
import random
from collections import deque

import torch
import torch.nn as nn


class DQN:
    def __init__(self, env, q_net, gamma=0.99):
        self.env = env
        self.q_net = q_net
        self.target_net = copy.deepcopy(q_net)
        self.buffer = deque(maxlen=100_000)
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=1e-4)

    def step(self, obs):
        action = self.env.action_space.sample()
        next_obs, reward, terminated, truncated, info = self.env.step(action)
        done = terminated or truncated  # expect
        self.buffer.append((obs, action, reward, next_obs, done))
        return self.env.reset()[0] if done else next_obs

    def learn(self):
        states, actions, rewards, next_states, dones = zip(*random.sample(self.buffer, 128))
        dones = torch.tensor(dones, dtype=torch.float32)
        with torch.no_grad():
            next_q = self.target_net(torch.tensor(next_states)).max(1)[0]
            targets = torch.tensor(rewards) + self.gamma * next_q * (1 - dones)
        q = self.q_net(torch.tensor(states)).gather(1, torch.tensor(actions).unsqueeze(1)).squeeze(1)
        loss = nn.functional.smooth_l1_loss(q, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
""",
    # The PyTorch tutorial's encoding: a terminal next state is stored as None and the mask is
    # `s is not None`; the None is chosen by `done`, so time-limit steps lose their bootstrap too.
    """\
import random
from collections import deque, namedtuple

import gymnasium as gym
import torch

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))
env = gym.make("CartPole-v1")
policy_net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
target_net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-4)
memory = deque([], maxlen=10_000)


def optimize_model():
    batch = Transition(*zip(*random.sample(memory, 128)))
    non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
    next_state_values = torch.zeros(128)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
    expected = next_state_values * 0.99 + torch.cat(batch.reward)
    q = policy_net(torch.cat(batch.state)).gather(1, torch.cat(batch.action)).squeeze(1)
    loss = torch.nn.functional.smooth_l1_loss(q, expected)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for episode in range(600):
    state = torch.tensor(env.reset()[0], dtype=torch.float32).unsqueeze(0)
    while True:
        action = torch.tensor([[env.action_space.sample()]])
        observation, reward, terminated, truncated, _ = env.step(action.item())
        done = terminated or truncated  # expect
        next_state = None if done else torch.tensor(observation, dtype=torch.float32).unsqueeze(0)
        memory.append(Transition(state, action, next_state, torch.tensor([reward])))
        state = next_state
        if len(memory) >= 128:
            optimize_model()
        if done:
            break
""",
    # The project's own env ends an episode when its step counter runs out, and that `done` masks the target.
    """\
import random

import numpy as np
import torch
import torch.nn.functional as F


class GridEnv:
    def __init__(self, size=8):
        self.size = size
        self.max_steps = 4 * size

    def reset(self):
        self.steps, self.pos = 0, 0
        return np.array([self.pos], dtype=np.float32)

    def step(self, action):
        self.steps += 1
        self.pos += 1 if action == 1 else -1
        done = self.pos < 0 or self.pos >= self.size
        if self.steps >= self.max_steps:  # expect
            done = True
        return np.array([self.pos], dtype=np.float32), float(self.pos == self.size), done, {}


env = GridEnv()
online = torch.nn.Linear(1, 2)
target = torch.nn.Linear(1, 2)
opt = torch.optim.Adam(online.parameters())
obs = env.reset()
for step in range(5_000):
    action = random.randrange(2)
    nxt, reward, done, _ = env.step(action)
    with torch.no_grad():
        y = reward + 0.99 * target(torch.as_tensor(nxt)).max() * (1 - float(done))
    loss = F.mse_loss(online(torch.as_tensor(obs))[action], y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    obs = env.reset() if done else nxt
""",
    # No env.step to read positions from, but the batch field is named for time-limit cuts.
    """\
import torch
import torch.nn.functional as F

q = torch.nn.Linear(4, 2)
tq = torch.nn.Linear(4, 2)
opt = torch.optim.Adam(q.parameters())


def learn(batch):
    ended = torch.max(batch.dones, batch.timeouts)  # expect
    with torch.no_grad():
        y = batch.rewards + 0.99 * tq(batch.next_obs).max(1)[0] * (1 - ended)
    loss = F.mse_loss(q(batch.obs).gather(1, batch.actions).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
)


def check(model: ProgramModel) -> Iterator[Finding]:
    """A terminal mask made from time-limit truncation, reported where the flag gets that meaning."""
    from dqn_lint.model.flags import CARRIES_TRUNCATION, EMULATOR_LIMIT

    masked: dict[tuple, list] = {}  # one finding per flag, however many targets it masks
    for target in model.td_targets:
        for mask in target.masks:
            for source in model.mask_sources(mask):
                if source.kind in CARRIES_TRUNCATION and source.blame is not None:
                    masks = masked.setdefault((source.blame, source.kind), [])
                    if mask.node not in masks:
                        masks.append(mask.node)
    for (blame, kind), masks in masked.items():
        related = [("this flag masks the bootstrap of the TD target here", mask) for mask in masks]
        if kind == EMULATOR_LIMIT:
            related.insert(0, ("the emulator's frame limit is set here", model.frame_limit_setting(blame)))
        yield model.finding(
            RULE.code,
            RULE.name,
            blame,
            _MESSAGES[kind],
            Severity.ERROR,
            related=related,
            fix=_fix(model, kind, blame),
        )


def _fix(model: ProgramModel, kind: str, blame) -> Fix:
    """Send `terminated` where the truncation-carrying flag travels toward the mask.

    Only the reads of the flag that the mask's trace went through are rewritten, so `done` keeps
    serving the reset. Unsafe: the targets of time-limited transitions change. Old gym's 4-tuple
    has no `terminated` to send, so its fix is display-only, with the exact code.
    """
    import libcst as cst

    from dqn_lint.model.flags import CONFLATED, EMULATOR_LIMIT, NAMED_TRUNCATION, OLD_DONE, STEP_LIMIT, TRUNCATED

    if kind == NAMED_TRUNCATION:
        return Fix(
            Applicability.DISPLAY_ONLY,
            f"Leave `{model.code(blame)}` out of the terminal mask; mask with the termination flag alone.",
        )
    if kind == EMULATOR_LIMIT:
        return Fix(
            Applicability.DISPLAY_ONLY,
            "Mask with `game_over(with_truncation=False)` (ale-py 0.9 and later) and keep `game_over()` for "
            "resetting; with atari_py, leave the frame limit unset and end episodes at a step limit of your own "
            "that is not stored as terminal.",
        )
    if kind == STEP_LIMIT:
        return Fix(
            Applicability.DISPLAY_ONLY,
            "Return (or store) the time limit as a separate `truncated` flag, and mask the target with the "
            "terminal conditions alone.",
        )
    if kind == CONFLATED and isinstance(blame, (cst.BooleanOperation, cst.BinaryOperation, cst.Call)):
        fix = _unconflate(model, blame)
    elif kind == TRUNCATED and isinstance(blame, cst.Call):
        fix = _use_terminated(model, blame)
    else:
        fix = _old_gym_advice(model, blame)
        if fix is None and kind == OLD_DONE:  # `obs, r, done, _ = env.step(a)`: no info to read, no edit
            fix = Fix(
                Applicability.DISPLAY_ONLY,
                "Keep the step's `info` and store `done and not info.get(\"TimeLimit.truncated\", False)` for the "
                "mask (gym >= 0.21 marks time limits in `info`), or move to gymnasium and store `terminated`.",
            )
    return fix or Fix(
        Applicability.DISPLAY_ONLY,
        "Store `terminated` (slot 2 of `env.step`) for the terminal mask, and keep `terminated or truncated` "
        "only to reset the environment.",
    )


def _unconflate(model: ProgramModel, combined) -> Fix | None:
    """`done = terminated or truncated`: the reads of `done` bound for the mask get `terminated`."""
    import libcst as cst

    from dqn_lint.fixes.builders import replace_node

    terminated = _terminated_operand(model, combined)
    if terminated is None:
        return None
    small = model.source.small_statement(combined)
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        flag = small.targets[0].target
        value = small.value.deep_replace(combined, terminated) if small.value is not combined else terminated
        replacement = model.source.module.code_for_node(value)
        if not isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not value.lpar:
            replacement = f"({replacement})"
        reads = _reads_toward_mask(model, flag)
        if not reads or not _stable_names(model, value, reads):
            return None
        edits = tuple(replace_node(model.source, read, replacement) for read in reads)
        message = f"Send `{replacement}` toward the terminal mask instead of `{flag.value}`, which keeps serving the reset."
    elif isinstance(model.source.parent(combined), cst.Arg):
        edits = (replace_node(model.source, combined, terminated.value),)
        message = f"Pass `{terminated.value}` instead of `{model.code(combined)}`."
    else:
        return None
    return Fix(Applicability.UNSAFE, message, edits)


def _use_terminated(model: ProgramModel, step_call) -> Fix | None:
    """`truncated` reaches the mask: its reads bound for the mask get the `terminated` slot's name."""
    from dqn_lint.fixes.builders import replace_node
    from dqn_lint.model import Slot

    transition = model.transition(step_call)
    if transition is None:
        return None
    truncated, terminated = transition.name(Slot.TRUNCATED), transition.name(Slot.TERMINATED)
    if truncated is None or terminated is None or terminated.value == "_":
        return None
    reads = _reads_toward_mask(model, truncated)
    if not reads or not _stable_names(model, terminated, reads):
        return None
    edits = tuple(replace_node(model.source, read, terminated.value) for read in reads)
    return Fix(Applicability.UNSAFE, f"Mask with `{terminated.value}` (terminated), not `{truncated.value}`.", edits)


def _old_gym_advice(model: ProgramModel, step_call) -> Fix | None:
    """Old gym: show the corrected flag in place, never apply it (the info key may be absent)."""
    from dqn_lint.fixes.builders import replace_node
    from dqn_lint.model import Slot

    transition = model.transition(step_call)
    if transition is None:
        return None
    done, info = transition.name(Slot.DONE), transition.name(Slot.INFO)
    if done is None or info is None or info.value == "_":
        return None
    corrected = f'({done.value} and not {info.value}.get("TimeLimit.truncated", False))'
    reads = _reads_toward_mask(model, done)
    return Fix(
        Applicability.DISPLAY_ONLY,
        f"Store `{corrected[1:-1]}` for the mask (gym >= 0.21 marks time limits in `info`), or move to gymnasium: "
        "`obs, reward, terminated, truncated, info = env.step(action)` and store `terminated`.",
        tuple(replace_node(model.source, read, corrected) for read in reads),
    )


def _terminated_operand(model: ProgramModel, combined):
    """The operand of `terminated or truncated` (or `|`, `logical_or(...)`) that is `terminated` alone."""
    import libcst as cst

    from dqn_lint.model.dataflow import Ref
    from dqn_lint.model.flags import TERMINATED

    if isinstance(combined, (cst.BooleanOperation, cst.BinaryOperation)):
        operands = [combined.left, combined.right]
    else:
        operands = [arg.value for arg in combined.args]
    for operand in operands:
        if isinstance(operand, cst.Name) and {s.kind for s in model.flags.sources(Ref(operand))} == {TERMINATED}:
            return operand
    return None


def _reads_toward_mask(model: ProgramModel, binding) -> list:
    """The reads of one binding of a name that a terminal mask's trace went through."""
    scope = model.source.scope(binding)
    if scope is None:
        return []
    reads = [
        access.node
        for assignment in scope.assignments[binding.value]
        if getattr(assignment, "node", None) is binding
        for access in assignment.references
        if model.flags.was_traced(access.node)
    ]
    return sorted(reads, key=lambda read: model.source.span(read).start)


def _stable_names(model: ProgramModel, expression, reads) -> bool:
    """Each variable of `expression` names the same value at every read: bound by one statement of
    the reads' scope, never rebound."""
    import libcst as cst

    from dqn_lint.model.source import walk

    for name in (node for node in walk(expression) if isinstance(node, cst.Name)):
        referents = model.source.referents(name)
        if not referents:
            continue  # a builtin, or an attribute's name
        scope = next(iter(referents)).scope
        if len(referents) != 1 or len(scope.assignments[name.value]) != 1:
            return False  # rebound somewhere: at a read it may name another value
        if any(model.source.scope(read) is not scope for read in reads):
            return False
    return True


_MESSAGES = {  # by flag kind (dqn_lint.model.flags), kept here so importing the rule stays cheap
    "terminated-or-truncated": (
        "This flag is `terminated` or `truncated`, and it reaches the TD target's terminal mask: at a time limit "
        "the target drops the bootstrap as if the episode had really ended, biasing Q low near the limit. "
        "Mask with `terminated` only; keep the combined flag for resetting the environment."
    ),
    "truncated": (
        "The terminal mask comes from the time-limit truncation flag of `env.step` (slot 3 of its result, whatever "
        "the variable is called): truncation is not termination, and the bootstrap must go on at a time limit. "
        "Mask with `terminated` (slot 2) instead."
    ),
    "step-limit": (
        "This flag turns on when a step counter reaches its limit, and it reaches the TD target's terminal mask: "
        "running out of steps is a time limit, not a terminal state (the observation holds no step count), so "
        "the target drops the bootstrap as if the episode had really ended. Keep it for ending the episode, and "
        "mask with a flag set only by the real terminal conditions."
    ),
    "emulator-frame-limit": (
        "The emulator's `game_over()` is also True when its frame limit `max_num_frames_per_episode` cuts the "
        "episode, and it reaches the TD target's terminal mask: a cut at the frame limit is learned as a real end, "
        "and the target drops the bootstrap there. Mask with the end of the game alone."
    ),
    "named-truncation": (
        "This flag is named as a time-limit cut, and it reaches the TD target's terminal mask: a truncated "
        "episode did not end, and its last state's value is not zero, so the bootstrap must go on there. Mask "
        "with the termination flag alone (or with `done * (1 - truncated)`)."
    ),
    "old-gym-done": (
        "Old-gym `done` from a 4-tuple `env.step` is also True when a TimeLimit cuts the episode, and it reaches "
        "the TD target's terminal mask. Mask with `done and not info.get(\"TimeLimit.truncated\", False)`, or move "
        "to gymnasium's `terminated`."
    ),
}


EXPERIMENT = Experiment(
    twin="dqn003_truncation_as_termination",
    mechanism=(Probe.TRUNCATION_STORED_AS_TERMINAL,),
    measures=(
        Measure("q_bias_at_cut", "Q minus its continuation value at cut states", "lower", primary=True),
        Measure("return_without_limit", "discounted return without the time limit", "lower"),
        Measure("q_before_truncation", "max Q before a truncation", "lower"),
    ),
    expectation=(
        "StayOrQuit (fixtures/stay_or_quit.py): staying pays 1 per step for good, worth 99 from the start at "
        "gamma 0.99; quitting pays 75 once; a TimeLimit of 5 cuts every episode and the observation holds no "
        "clock. The reference bootstraps through the cuts: its Q for staying climbs toward 99 (about 86 after "
        "50k steps, one backup per training phase), above 75, so it stays: return without the limit 99, bias "
        "at the cut states (all of them 'staying') about -13, from that slow climb. The twin learns a quarter "
        "of its staying transitions as terminal; under the Huber loss those targets are outliers whose pull "
        "is clipped, so Q settles as if each step paid 1 - 1/3: 67 (about 61 after 50k steps), below 75. "
        "Predicted: bias about -38, and it quits: return 75. On CartPole (--env CartPole-v1, TimeLimit 100) "
        "cuts are about 1 transition in 100 and the same arithmetic puts the twin's Q only about 1 lower, "
        "far inside that measure's spread between seeds: that experiment cannot confirm at 5 seeds."
    ),
    time_limits={"DQNLint/StayOrQuit-v0": 5, "CartPole-v1": 100, "Acrobot-v1": 100, "LunarLander-v3": 200},
    env_id="DQNLint/StayOrQuit-v0",
)

RULE = Rule(
    code="DQN003",
    name="truncation-as-termination",
    severity=Severity.ERROR,
    summary="The terminal mask of a TD target includes time-limit truncation: time-outs are learned as terminal.",
    docs=RuleDocs(
        what_it_does="""
Traces the mask that stops bootstrapping in a TD target back to the `env.step` result it comes
from, through assignments, tuple unpacking, `self.` attributes, helper parameters, replay-buffer
store and sample calls, and tensor conversions. Reports the mask when it includes truncation: a flag
made from both `terminated` and `truncated` (`or`, `|`, `np.logical_or`, `torch.logical_or`, `max`,
`any`, a clamped sum), reported where that flag is made; `truncated` alone, or the old gym 4-tuple
`done` never corrected with `info["TimeLimit.truncated"]`, reported at the `env.step` call. The
meaning of a flag is its position in the result (gymnasium: `obs, reward, terminated, truncated,
info`; old gym: `obs, reward, done, info`), never its name. An Arcade Learning Environment used
without gym (`ale_py` / `atari_py` `ALEInterface`) ends episodes at `max_num_frames_per_episode`
when that is set, and its `game_over()` is then True at the cut too: reported at that call, unless
it is `game_over(with_truncation=False)`. When a link of the chain cannot be seen (a replay buffer
from another package), the rule stays silent.
""",
        why_is_this_bad="""
The mask `(1 - done)` says that the next state is terminal and worth zero. That holds when the MDP
terminated (the pole fell, the lander crashed), not when a time limit truncated the episode: the
next state is an ordinary state whose return goes on, so the target must still be
`r + gamma * max_a' Q(s', a')`. Masking on truncation gives a state its full return on most visits
and only `r` on the visit where the clock ran out; time is not in the observation, so the targets
contradict each other and the values are biased (Pardo et al. 2018). The bias has the sign of the
missing return: with positive rewards (CartPole-v1, +1 per step up to 500 steps) surviving to the
limit, the best outcome, is learned as a failure; with negative rewards (MountainCar-v0, -1 per step
up to 200 steps) a time-out is learned as if it had reached the goal. The old gym `done` is also
True at the time limit, so most DQN code written before Gymnasium split the flag has this bug.
""",
        example="""
next_obs, reward, terminated, truncated, info = env.step(action)
done = terminated or truncated  # True at the time limit too
buffer.add(obs, action, reward, next_obs, done)
...
s, a, r, s2, d = buffer.sample(batch_size)
y = r + gamma * target(s2).max(1).values * (1 - d)
""",
        use_instead="""
next_obs, reward, terminated, truncated, info = env.step(action)
buffer.add(obs, action, reward, next_obs, terminated)  # mask only true terminations
if terminated or truncated:  # but end the episode on either
    next_obs, info = env.reset()
...
s, a, r, s2, d = buffer.sample(batch_size)
y = r + gamma * target(s2).max(1).values * (1 - d)
""",
        fix_safety="""
The fix stores or uses `terminated` (the flag at position 2 of the gymnasium `env.step` result)
in place of the conflated flag where it feeds the mask, and leaves every other use of the
conflated flag (resetting, breaking out of the episode loop, logging) unchanged. It is unsafe: it
changes the learning targets at every truncated step, so learning curves and saved values change
(for the better, but a user comparing against old runs must know). For the old gym 4-tuple the
tool cannot know whether the environment is wrapped in a `TimeLimit`, so it only displays advice:
use `done and not info.get("TimeLimit.truncated", False)` as the mask, or move to Gymnasium's
five-value `step`.
""",
        references=(
            'Pardo et al. (2018), "Time Limits in Reinforcement Learning", ICML 2018, '
            "https://arxiv.org/abs/1712.00378",
            'Gymnasium docs, "Handling Time Limits", '
            "https://gymnasium.farama.org/tutorials/gymnasium_basics/handling_time_limits/",
            "Gymnasium docs, Env.step (terminated and truncated), "
            "https://gymnasium.farama.org/api/env/#gymnasium.Env.step",
            "Stable-Baselines3 DQN and ReplayBuffer (`handle_timeout_termination`), "
            "https://stable-baselines3.readthedocs.io/en/master/modules/dqn.html",
        ),
    ),
    check=check,
    valid=VALID,
    invalid=INVALID,
    experiment=EXPERIMENT,
    runtime_probe=RuntimeProbe(ProbeSite.FINDING, Observation.TRUNCATION_IN_FLAG, "the flag is set at time-limit cuts",
                               companion=(ProbeSite.RELATED, Observation.MASK_RATE)),
)
