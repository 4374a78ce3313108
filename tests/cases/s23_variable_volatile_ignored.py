# review case: Variable(volatile=True) stopped meaning no-grad in PyTorch 0.4: the bootstrap keeps its graph
import torch
from torch.autograd import Variable
import torch.nn.functional as F
q = torch.nn.Linear(4, 2)
tq = torch.nn.Linear(4, 2)  # expect: DQN006
opt = torch.optim.Adam(q.parameters())
def learn(s, a, r, s2, d):
    s2v = Variable(s2, volatile=True)
    y = r + 0.99 * tq(s2v).max(1)[0] * (1 - d)  # expect: DQN002
    loss = F.mse_loss(q(s).gather(1, a).squeeze(1), y)
    opt.zero_grad(); loss.backward(); opt.step()
