# sweep case: DQN003 at line 18 (the batch is the last 64 transitions, `zip(*memory[-64:])`; the mask is terminated or truncated)
import gymnasium as gym
import torch
import torch.nn as nn

env = gym.make("CartPole-v1")
q_net = nn.Linear(4, 2)
target_net = nn.Linear(4, 2)  # expect: DQN006
target_net.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters())
memory = []
gamma = 0.99

state, _ = env.reset()
for step in range(1000):
    action = env.action_space.sample()
    next_state, reward, terminated, truncated, _ = env.step(action)
    memory.append((state, action, reward, next_state, terminated or truncated))  # expect: DQN003
    state = next_state if not (terminated or truncated) else env.reset()[0]
    if len(memory) >= 64:
        s, a, r, s2, d = zip(*memory[-64:])
        s = torch.tensor(s, dtype=torch.float32)
        a = torch.tensor(a)
        r = torch.tensor(r, dtype=torch.float32)
        s2 = torch.tensor(s2, dtype=torch.float32)
        d = torch.tensor(d, dtype=torch.float32)
        with torch.no_grad():
            target = r + gamma * target_net(s2).max(1).values * (1 - d)
        q = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = nn.functional.mse_loss(q, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
