import copy

import torch


class Agent:
    def __init__(self, actions, discount=0.99):
        self.online_net = torch.nn.Sequential(torch.nn.Linear(128, 256), torch.nn.ReLU(), torch.nn.Linear(256, actions))
        self.target_net = copy.deepcopy(self.online_net)
        self.discount = discount
        self.optimiser = torch.optim.Adam(self.online_net.parameters(), lr=1e-4)

    def act(self, state):
        with torch.no_grad():
            return self.online_net(torch.as_tensor(state).unsqueeze(0)).argmax(1).item()

    def learn(self, mem, batch_size=32):
        states, actions, returns, next_states, nonterminals = mem.sample(batch_size)
        q = self.online_net(states).gather(1, actions.unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            target = returns + nonterminals * self.discount * self.target_net(next_states).max(1)[0]
        loss = torch.nn.functional.smooth_l1_loss(q, target)
        self.optimiser.zero_grad()
        loss.backward()
        self.optimiser.step()

    def update_target_net(self):
        self.target_net.load_state_dict(self.online_net.state_dict())
