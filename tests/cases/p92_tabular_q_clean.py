# review case: clean
import gymnasium as gym
import numpy as np
import torch

env = gym.make("FrozenLake-v1")
Q = np.zeros((env.observation_space.n, env.action_space.n))
alpha, gamma, eps = 0.1, 0.99, 0.1
torch.manual_seed(0)
rng = np.random.default_rng(0)

for episode in range(5000):
    s, _ = env.reset()
    done = False
    while not done:
        a = env.action_space.sample() if rng.random() < eps else int(np.argmax(Q[s]))
        s2, r, terminated, truncated, _ = env.step(a)
        Q[s, a] += alpha * (r + gamma * np.max(Q[s2]) - Q[s, a])
        s = s2
        done = terminated or truncated

torch.save(torch.as_tensor(Q), "q_table.pt")
