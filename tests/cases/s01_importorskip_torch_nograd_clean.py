# sweep case: clean (a test module binds torch with pytest.importorskip; the target is computed under torch.no_grad)
import pytest

torch = pytest.importorskip("torch")
nn = pytest.importorskip("torch.nn")


def td_update(q_net, target_net, optimizer, batch, gamma=0.99):
    s, a, r, s2, terminated = batch
    with torch.no_grad():
        next_q = target_net(s2).max(1).values
        target = r + gamma * next_q * (1 - terminated)
    q = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = nn.functional.mse_loss(q, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
