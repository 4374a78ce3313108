from nets.iqn import IQN
