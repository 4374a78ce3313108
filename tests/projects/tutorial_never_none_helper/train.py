# project case: the PyTorch tutorial's mask over non-None next states, but a helper of another module always makes a tensor
import gymnasium as gym
import torch
import torch.nn as nn
import torch.nn.functional as F

import utils
from memory import ReplayMemory, Transition

GAMMA = 0.99
env = gym.make("CartPole-v1")
policy_net = nn.Linear(4, 2)
target_net = nn.Linear(4, 2)  # expect: DQN006
target_net.load_state_dict(policy_net.state_dict())
optimizer = torch.optim.Adam(policy_net.parameters())
memory = ReplayMemory(10000)


def optimize_model(batch_size=64):
    transitions = memory.sample(batch_size)
    batch = Transition(*zip(*transitions))
    non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
    state_batch = torch.cat(batch.state)
    action_batch = torch.cat(batch.action)
    reward_batch = torch.cat(batch.reward)
    state_action_values = policy_net(state_batch).gather(1, action_batch)
    next_state_values = torch.zeros(batch_size)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
    expected = (next_state_values * GAMMA) + reward_batch  # expect: DQN004
    loss = F.smooth_l1_loss(state_action_values, expected.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


state, _ = env.reset()
state = utils.tensorize(state)
for step in range(1000):
    action = torch.tensor([[env.action_space.sample()]])
    observation, reward, terminated, truncated, _ = env.step(action.item())
    next_state = utils.tensorize(observation).to("cpu")
    memory.push(state, action, next_state, torch.tensor([reward]))
    state = next_state
    if terminated or truncated:
        state = utils.tensorize(env.reset()[0])
    if len(memory) > 64:
        optimize_model()
