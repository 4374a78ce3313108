import copy
import torch
import torch.nn.functional as F
from model import QNet
from replay_buffer import ReplayBuffer

class Agent:
    def __init__(self, n_obs, n_act, gamma=0.99):
        self.q = QNet(n_obs, n_act)
        self.target = copy.deepcopy(self.q)  # expect: DQN006
        self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.memory = ReplayBuffer(10000)
        self.gamma = gamma

    def learn(self, batch_size=64):
        s, a, r, s2, d = self.memory.sample(batch_size)
        s = torch.as_tensor(s, dtype=torch.float32)
        s2 = torch.as_tensor(s2, dtype=torch.float32)
        a = torch.as_tensor(a).long()
        r = torch.as_tensor(r, dtype=torch.float32)
        d = torch.as_tensor(d, dtype=torch.float32)
        with torch.no_grad():
            y = r + self.gamma * self.target(s2).max(1).values * (1 - d)
        q = self.q(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
