import copy

import torch
import torch.nn.functional as F


class Agent:
	def __init__(self, net, gamma=0.99):
		self.q = net
		self.q_target = copy.deepcopy(net)
		self.gamma = gamma
		self.opt = torch.optim.Adam(self.q.parameters(), lr=1e-4)

	def learn(self, s, a, r, s2, terminated):
		q = self.q(s).gather(1, a).squeeze(1)
		with torch.no_grad():
			next_q = self.q_target(s2).max(1)[0]
			y = r + self.gamma * next_q * (1 - terminated)
		loss = F.mse_loss(q, y)
		self.opt.zero_grad()
		loss.backward()
		self.opt.step()
