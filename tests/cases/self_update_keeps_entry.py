# review case: batch[4] = batch[4].float() updates the entry in place; the conflated flag still reaches the mask
import random
import gymnasium as gym
import numpy as np
import torch

q, q_t = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
memory, gamma = [], 0.99
env = gym.make("CartPole-v1")
obs, _ = env.reset()
for t in range(1000):
    a = env.action_space.sample()
    nxt, r, term, trunc, _ = env.step(a)
    done = term or trunc  # expect: DQN003
    memory.append((obs, a, r, nxt, done))
    batch = [torch.as_tensor(np.array(c), dtype=torch.float32) for c in zip(*random.sample(memory, 1))]
    batch[4] = batch[4].float()
    s, a_b, r_b, s2, d = batch[0], batch[1], batch[2], batch[3], batch[4]
    with torch.no_grad():
        y = r_b + gamma * q_t(s2).max(1).values * (1 - d)
    loss = ((q(s).gather(1, a_b.long()[:, None]).squeeze(1) - y) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
