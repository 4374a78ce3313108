def evaluate_quantile_at_action(s_quantiles, actions):
    action_index = actions[..., None].expand(s_quantiles.shape[0], s_quantiles.shape[1], 1)
    return s_quantiles.gather(dim=2, index=action_index)
