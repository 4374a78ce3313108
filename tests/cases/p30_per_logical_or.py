# review case: DQN003 at line 51
import copy
import numpy as np
import torch
import torch.nn as nn
class PrioritizedReplay:
    def __init__(self, capacity, alpha=0.6):
        self.capacity, self.alpha, self.data, self.pos = capacity, alpha, [], 0
        self.priorities = np.zeros(capacity, dtype=np.float32)
    def push(self, state, action, reward, next_state, done):
        max_prio = self.priorities.max() if self.data else 1.0
        if len(self.data) < self.capacity:
            self.data.append((state, action, reward, next_state, done))
        else:
            self.data[self.pos] = (state, action, reward, next_state, done)
        self.priorities[self.pos] = max_prio
        self.pos = (self.pos + 1) % self.capacity
    def sample(self, batch_size, beta=0.4):
        prios = self.priorities[:len(self.data)] ** self.alpha
        probs = prios / prios.sum()
        indices = np.random.choice(len(self.data), batch_size, p=probs)
        weights = (len(self.data) * probs[indices]) ** (-beta)
        states, actions, rewards, next_states, dones = zip(*[self.data[i] for i in indices])
        return (np.array(states), actions, rewards, np.array(next_states), dones, indices,
                weights / weights.max())
    def update_priorities(self, indices, prios):
        self.priorities[indices] = prios
model = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
target_model = copy.deepcopy(model)  # expect: DQN006
optimizer = torch.optim.Adam(model.parameters())
replay_buffer = PrioritizedReplay(100000)
gamma = 0.99
def compute_td_loss(batch_size, beta):
    state, action, reward, next_state, done, indices, weights = replay_buffer.sample(batch_size, beta)
    state, next_state = torch.FloatTensor(state), torch.FloatTensor(next_state)
    action, reward = torch.LongTensor(action), torch.FloatTensor(reward)
    done, weights = torch.FloatTensor(done), torch.FloatTensor(weights)
    q_value = model(state).gather(1, action.unsqueeze(1)).squeeze(1)
    next_q_value = target_model(next_state).max(1)[0].detach()
    expected_q_value = reward + gamma * next_q_value * (1 - done)
    loss = (q_value - expected_q_value).pow(2) * weights
    replay_buffer.update_priorities(indices, loss.detach().numpy() + 1e-5)
    loss = loss.mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    return loss
def run(env, frames):
    state, _ = env.reset()
    for frame_idx in range(1, frames + 1):
        action = env.action_space.sample()
        next_state, reward, terminated, truncated, _ = env.step(action)
        done = np.logical_or(terminated, truncated)  # expect: DQN003
        replay_buffer.push(state, action, reward, next_state, done)
        state = next_state
        if done:
            state, _ = env.reset()
        if len(replay_buffer.data) > 32:
            compute_td_loss(32, min(1.0, 0.4 + frame_idx * 0.6 / frames))
