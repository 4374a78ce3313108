# sweep case: clean (torch bound with importlib.import_module, as optional-dependency code does; target under th.no_grad)
from importlib import import_module

th = import_module("torch")
F = import_module("torch.nn.functional")


def td_update(q_net, target_net, optimizer, obs, actions, rewards, next_obs, terminated, gamma=0.99):
    with th.no_grad():
        next_q = target_net(next_obs).max(dim=1).values
        target = rewards + gamma * (1.0 - terminated) * next_q
    q = q_net(obs).gather(1, actions.long().unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
