"""An old-gym (4-tuple) DQN loop on a small environment of its own, in the older tutorials' style."""
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CorridorEnv:
    """Walk right to the goal; old gym's API: reset() -> obs, step(a) -> (obs, reward, done, info)."""

    def __init__(self, length=8):
        self.length, self.pos = length, 0

    def reset(self):
        self.pos = 0
        return self._obs()

    def step(self, action):
        self.pos = max(0, self.pos + (1 if action == 1 else -1))
        done = self.pos >= self.length
        return self._obs(), (1.0 if done else -0.01), done, {}

    def _obs(self):
        obs = np.zeros(self.length + 1, dtype=np.float32)
        obs[min(self.pos, self.length)] = 1.0
        return obs


class DQN(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(n_in, 64), nn.Linear(64, n_out)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


env = CorridorEnv()
policy = DQN(9, 2)
target = DQN(9, 2)
target.load_state_dict(policy.state_dict())
optimizer = torch.optim.RMSprop(policy.parameters(), lr=1e-3)
memory = deque(maxlen=5000)
gamma = 0.95

for episode in range(100_000):
    state = env.reset()
    done = False
    while not done:
        if random.random() < 0.3:
            action = random.randrange(2)
        else:
            with torch.no_grad():
                action = int(policy(torch.from_numpy(state)).argmax())
        next_state, reward, done, _ = env.step(action)
        memory.append((state, action, reward, next_state, done))
        state = next_state
        if len(memory) < 64:
            continue
        batch = random.sample(memory, 64)
        states, actions, rewards, next_states, dones = zip(*batch)
        states = torch.tensor(np.array(states))
        actions = torch.tensor(actions).unsqueeze(1)
        rewards = torch.tensor(rewards, dtype=torch.float32)
        next_states = torch.tensor(np.array(next_states))
        q = policy(states).gather(1, actions).squeeze(1)
        expected = rewards + gamma * target(next_states).max(1)[0]
        loss = F.smooth_l1_loss(q, expected)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if episode % 10 == 0:
        target.load_state_dict(policy.state_dict())
