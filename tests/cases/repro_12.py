# review case: DQN003 at line 27 (Spinning-Up-style buffer returns a dict; data["done"] is the or-flag); dqn-lint reports nothing
import numpy as np
import torch
import torch.nn as nn

q, q_targ = nn.Linear(6, 3), nn.Linear(6, 3)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
obs_buf, obs2_buf = np.zeros((1000, 6), np.float32), np.zeros((1000, 6), np.float32)
act_buf, rew_buf, done_buf = np.zeros(1000, np.int64), np.zeros(1000, np.float32), np.zeros(1000, np.float32)

def sample_batch(n):
    idxs = np.random.randint(0, 1000, size=n)
    return {"obs": torch.as_tensor(obs_buf[idxs]), "act": torch.as_tensor(act_buf[idxs]), "rew": torch.as_tensor(rew_buf[idxs]),
            "obs2": torch.as_tensor(obs2_buf[idxs]), "done": torch.as_tensor(done_buf[idxs])}

def update(data, gamma=0.99):
    with torch.no_grad():
        backup = data["rew"] + gamma * (1 - data["done"]) * q_targ(data["obs2"]).max(1)[0]
    loss = ((q(data["obs"]).gather(1, data["act"][:, None]).squeeze(1) - backup) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()

def run(env):
    o, _ = env.reset()
    for t in range(1000):
        a = env.action_space.sample()
        o2, r, terminated, truncated, _ = env.step(a)
        d = terminated or truncated  # expect: DQN003
        obs_buf[t], act_buf[t], rew_buf[t], obs2_buf[t], done_buf[t] = o, a, r, o2, d
        o = env.reset()[0] if d else o2
        update(sample_batch(32))
