# sweep case: DQN004 at line 11 (torch bound with pytest.importorskip: `torch.max` is the bootstrap's reduction, and no mask)
import pytest

torch = pytest.importorskip("torch")


def td_update(q_net, target_net, optimizer, batch, gamma=0.99):
    s, a, r, s2, terminated = batch
    with torch.no_grad():
        next_q, _ = torch.max(target_net(s2), dim=1)
        target = r + gamma * next_q  # expect: DQN004
    q = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = torch.nn.functional.mse_loss(q, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
