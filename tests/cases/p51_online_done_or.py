# review case: DQN003 at line 23, DQN005 at line 25
import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

env = gym.make("CartPole-v1")
net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
gamma = 0.99
eps = 1.0

for episode in range(500):
    state, _ = env.reset()
    done = False
    while not done:
        s = torch.as_tensor(state, dtype=torch.float32)
        q_values = net(s)
        action = env.action_space.sample() if np.random.rand() < eps else int(q_values.argmax())
        next_state, reward, terminated, truncated, _ = env.step(action)
        s2 = torch.as_tensor(next_state, dtype=torch.float32)
        done = terminated or truncated  # expect: DQN003
        with torch.no_grad():
            next_q = net(s2).max()  # expect: DQN005
        target = reward + gamma * next_q * (1 - int(done))
        loss = F.mse_loss(q_values[action], target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state = next_state
    eps = max(0.05, eps * 0.995)
