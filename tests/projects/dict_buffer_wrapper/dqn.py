import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Agent:
    def __init__(self, size=10000, batch_size=32, gamma=0.99):
        self.memory = {"s": np.zeros((size, 4)), "a": np.zeros((size, 1)), "r": np.zeros((size, 1)),
                       "s_": np.zeros((size, 4)), "done": np.zeros((size, 1))}
        self.size, self.batch_size, self.gamma, self.count = size, batch_size, gamma, 0
        self.qnet_eval = nn.Linear(4, 2)
        self.qnet_target = nn.Linear(4, 2)  # expect: DQN006
        self.optimizer = torch.optim.Adam(self.qnet_eval.parameters())

    def store_transition(self, s, a, r, s_, d):
        index = self.count % self.size
        self.memory["s"][index] = s
        self.memory["a"][index] = np.array(a).reshape(-1, 1)
        self.memory["r"][index] = np.array(r).reshape(-1, 1)
        self.memory["s_"][index] = s_
        self.memory["done"][index] = np.array(d).reshape(-1, 1)
        self.count += 1

    def learn(self):
        index = np.random.choice(min(self.count, self.size), size=self.batch_size)
        b_s = torch.FloatTensor(self.memory["s"][index])
        b_a = torch.LongTensor(self.memory["a"][index])
        b_r = torch.FloatTensor(self.memory["r"][index])
        b_s_ = torch.FloatTensor(self.memory["s_"][index])
        b_d = torch.FloatTensor(self.memory["done"][index])
        q = self.qnet_eval(b_s).gather(1, b_a)
        next_q = self.qnet_target(b_s_).detach().max(1)[0].view(-1, 1)
        y = b_r + (1 - b_d) * self.gamma * next_q
        loss = F.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
