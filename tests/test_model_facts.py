"""The program model's facts on small snippets, asked directly (not through a rule's findings):
what a terminal flag means, which TD targets train, and what a fix edit is built from."""

from __future__ import annotations

import textwrap

import libcst as cst

from dqn_lint.model import Slot, SourceUnit, SyncKind, TerminalFlag, build_model
from dqn_lint.model.dataflow import Ref
from dqn_lint.model.flags import CARRIES_TRUNCATION, EMULATOR_LIMIT, STEP_LIMIT, TERMINATED


def _model(code: str, *context: tuple[str, str]):
    primary = SourceUnit(cst.parse_module(textwrap.dedent(code)), "main.py", "main")
    units = tuple(SourceUnit(cst.parse_module(textwrap.dedent(text)), f"{name}.py", name) for name, text in context)
    return build_model(primary, units)


def _name_read(model, name: str) -> cst.Name:
    """The last occurrence of `name` in the primary file (the snippets end with a read of it)."""
    found = [node for node in model.source.nodes_of_type(cst.Name) if node.value == name and model.source.unit_of(node) is model.source.primary]
    return max(found, key=lambda node: (model.source.span(node).start.row, model.source.span(node).start.column))


def _kinds(model, name: str) -> set[str]:
    return {source.kind for source in model.flags.sources(Ref(_name_read(model, name)))}


# ---- a program's own time limit ---------------------------------------------------------------------
ENV = """
class Env:
    def reset(self):
        self.steps = 0
        self.lives = 3
        self.done = False
        return 0.0

    def step(self, action):
        self.steps += 1
        if action == 3:
            self.lives -= 1
            if self.lives == 0:
                self.done = True
        {limit}
        return 0.0, 1.0, self.done, {{}}

env = Env()
obs, reward, done, info = env.step(0)
flag = done
print(flag)
"""


def test_a_step_counter_reaching_its_bound_is_a_time_limit():
    model = _model(ENV.format(limit="if self.steps >= 200:\n            self.done = True"))
    assert STEP_LIMIT in _kinds(model, "flag")


def test_a_mask_set_to_one_at_the_env_s_time_limit_carries_no_truncation():
    """pytorch-soft-actor-critic: `1 if steps == env._max_episode_steps else float(not done)`."""
    code = """
    import gym
    import torch

    env = gym.make("Pendulum-v1")
    actor, critic_t = torch.nn.Linear(3, 1), torch.nn.Linear(4, 1)
    memory = []
    state, steps = env.reset(), 0
    for t in range(1000):
        action = actor(torch.as_tensor(state)).detach().numpy()
        next_state, reward, done, _ = env.step(action)
        steps += 1
        mask = {value}
        memory.append((state, action, reward, next_state, mask))
        state = next_state
        s, a, r, s2, m = (torch.as_tensor(x) for x in zip(*memory[-64:]))
        with torch.no_grad():
            y = r + 0.99 * m * critic_t(torch.cat([s2, actor(s2)], 1)).squeeze(1)
    """

    def mask_kinds(value: str) -> set:
        model = _model(code.format(value=value))
        [target] = model.td_targets
        return {source.kind for mask in target.masks for source in model.mask_sources(mask)}

    assert mask_kinds("float(not done)") & CARRIES_TRUNCATION  # old gym's done of a time-limited env
    kept = mask_kinds("1 if steps == env._max_episode_steps else float(not done)")
    assert kept and not kept & CARRIES_TRUNCATION


def test_a_counter_decremented_under_a_condition_is_not_a_clock():
    """`lives -= 1` runs only on a death: `lives == 0` is a real end."""
    model = _model(ENV.format(limit="pass"))
    assert STEP_LIMIT not in _kinds(model, "flag")


def test_a_countdown_reaching_zero_is_a_time_limit():
    model = _model(
        """
        class Env:
            def step(self, action):
                self.left -= 1
                done = action == 1 or self.left == 0
                return 0.0, 1.0, done, {}
        env = Env()
        _, _, done, _ = env.step(0)
        flag = done
        print(flag)
        """
    )
    assert STEP_LIMIT in _kinds(model, "flag")


def test_a_counter_that_indexes_the_episode_s_data_ends_the_task_itself():
    """`self.prices[self.t]`: the episode is the data, and its end is the task's end."""
    model = _model(
        """
        class Env:
            def step(self, action):
                reward = self.prices[self.t] * action
                self.t += 1
                done = self.t == self.last
                return 0.0, reward, done, {}
        env = Env()
        _, _, done, _ = env.step(0)
        flag = done
        print(flag)
        """
    )
    assert STEP_LIMIT not in _kinds(model, "flag")


def test_a_flag_cleared_at_the_loop_s_own_step_limit_is_termination():
    """Spinning Up: `d = False if ep_len == max_ep_len else d`."""
    model = _model(
        """
        import gym
        env = gym.make("CartPole-v1")
        ep_len = 0
        for t in range(1000):
            o2, r, d, _ = env.step(env.action_space.sample())
            ep_len += 1
            flag = False if ep_len == 200 else d
            print(flag)
        """
    )
    assert _kinds(model, "flag") == {TERMINATED}


# ---- which TD targets train ----------------------------------------------------------------------------
TRAINING = """
import copy
import torch

q = torch.nn.Linear(4, 2)
target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters())

def act(s):
    with torch.no_grad():
        values = q(s)
        return values.argmax().item(), values[0, 0]

def learn(s, a, r, s2, d, w):
    with torch.no_grad():
        y = r + 0.99 * target(s2).max(1)[0] * (1 - d)
    pred = q(s).gather(1, a).squeeze(1)
    loss = {loss}
    opt.zero_grad()
    loss.backward()
    opt.step()

a, qa = act(s)
a2, qa2 = act(s2)
priority = abs(r + 0.99 * qa2 - qa)
learn(s, a, r, s2, d, priority / priority.sum())  # the weight is made from the priority
"""


def _target_codes(model) -> set[str]:
    return {model.code(target.node) for target in model.td_targets}


def test_a_priority_computed_while_acting_is_not_a_training_target():
    """It reaches the loss, but only as the weight of the compared difference."""
    model = _model(TRAINING.format(loss="(w * (y - pred) ** 2).mean()"))
    assert _target_codes(model) == {"r + 0.99 * target(s2).max(1)[0] * (1 - d)"}


def test_a_td_target_given_to_a_loss_function_trains():
    model = _model(TRAINING.format(loss="torch.nn.functional.smooth_l1_loss(pred, y)"))
    assert "r + 0.99 * target(s2).max(1)[0] * (1 - d)" in _target_codes(model)


def test_with_no_loss_in_sight_every_td_target_is_kept():
    model = _model(
        """
        import torch
        target = torch.nn.Linear(4, 2)
        def td(r, s2, d):
            return r + 0.99 * target(s2).max(1)[0] * (1 - d)
        """
    )
    assert len(model.td_targets) == 1


# ---- actor-critic critics: the policy's action stands for the max over actions ------------------------
CRITIC = """
import copy
import torch
import torch.nn.functional as F


class Critic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(5, 1)

    def forward(self, state, action):
        return self.net(torch.cat([state, action], dim=-1))


actor = torch.nn.Linear(4, 1)
critic = Critic()
actor_t, critic_t = copy.deepcopy(actor), copy.deepcopy(critic)
q_net = torch.nn.Linear(5, 1)
optimizer = torch.optim.Adam(critic.parameters())


def update(s, a, r, s2, d, gamma=0.99):
    with torch.no_grad():
        y = {target}
    loss = F.mse_loss(critic(s, a), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_a_critic_at_the_target_policy_s_action_is_a_bootstrap():
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * critic_t(s2, actor_t(s2))"))
    [target] = model.td_targets
    assert [model.code(call) for call in target.bootstrap_calls] == ["critic_t(s2, actor_t(s2))"]
    assert target.actor_critic


def test_a_value_net_fed_its_own_hidden_state_is_no_critic_at_a_policy_action():
    """A recurrent V(s2, h) whose `h` comes from the same network's earlier pass: no action is chosen."""
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * q_net(s2, q_net(s, a))"))
    assert not model.td_targets


def test_a_max_over_actions_is_no_actor_critic_target():
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * q_net(s2).max(1).values"))
    [target] = model.td_targets
    assert not target.actor_critic


def test_a_critic_over_a_concatenated_state_and_policy_action_is_a_bootstrap():
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * q_net(torch.cat([s2, actor_t(s2)], 1))"))
    [target] = model.td_targets
    assert [model.code(call) for call in target.bootstrap_calls] == ["q_net(torch.cat([s2, actor_t(s2)], 1))"]


def test_a_critic_given_the_state_and_the_policy_action_in_one_list_is_a_bootstrap():
    """pytorch-ddpg: `critic_t([s2, actor_t(s2)])`, the critic's `forward(self, xs)` unpacking the list."""
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * q_net([s2, actor_t(s2)])"))
    [target] = model.td_targets
    assert [model.code(call) for call in target.bootstrap_calls] == ["q_net([s2, actor_t(s2)])"]
    assert target.actor_critic
    assert not _model(CRITIC.format(target="r + gamma * (1 - d) * q_net([s2, a])")).td_targets  # the stored action


def test_a_helper_returning_two_critics_runs_the_object_it_is_called_on():
    """`model_t.value(s2, a2)` returning `(self.q0(s, a), self.q1(s, a))`: a forward pass of
    `model_t`, in the grad context of that call."""
    model = _model(
        """
        import copy
        import torch

        class Model(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.pi = torch.nn.Linear(3, 1)
                self.q0, self.q1 = torch.nn.Linear(4, 1), torch.nn.Linear(4, 1)

            def value(self, s, a=None):
                if a is None:
                    a = self.pi(s)
                x = torch.cat([s, a], 1)
                return self.q0(x), self.q1(x)

        model = Model()
        model_t = copy.deepcopy(model)
        optimizer = torch.optim.Adam(model.parameters())

        def learn(s, a, r, s2, d):
            with torch.no_grad():
                n0, n1 = model_t.value(s2, model_t.pi(s2))
                y = r + 0.99 * (1 - d) * torch.min(n0, n1)
            q0, q1 = model.value(s, a)
            loss = ((q0 - y) ** 2).mean() + ((q1 - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    )
    [target] = model.td_targets
    assert {model.code(model.bootstrap_network(call)) for call in target.bootstrap_calls} == {"model_t"}


def test_a_critic_at_an_action_that_no_network_chose_is_no_bootstrap():
    """`critic_t(s2, a)` with the stored action: nothing picks an action for the next state."""
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * critic_t(s2, a)"))
    assert not model.td_targets


def test_a_critic_averaged_over_the_policy_s_action_probabilities_is_a_bootstrap():
    """Discrete SAC: `(probs * (min(q1_t(s2), q2_t(s2)) - alpha * log_probs)).sum(1)`, the expectation
    over the policy's actions; the policy's own pass is no bootstrap."""
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * (torch.softmax(actor_t(s2), -1) * "
                                        "(q_net(s2) - 0.2 * torch.log_softmax(actor_t(s2), -1))).sum(1)"))
    [target] = model.td_targets
    assert [model.code(call) for call in target.bootstrap_calls] == ["q_net(s2)"]
    assert target.actor_critic


def test_a_sum_over_actions_weighted_by_no_network_is_no_bootstrap():
    """`(q_net(s2) * weights).sum(1)` with weights that no network made: a sum, not an expectation
    over a policy's actions."""
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * (q_net(s2) * a).sum(1)"))
    assert not model.td_targets


def test_the_policy_s_own_pass_behind_an_expectation_is_no_bootstrap():
    """`probs, log_probs = actor.evaluate(s2)` where the actor's `forward` ends in `nn.Softmax`: the
    critics are the bootstraps; the actor's pass (probabilities and their log) is not, even though
    the product has network outputs on both sides."""
    model = _model(
        """
        import copy
        import torch

        class Actor(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(4, 2)
                self.softmax = torch.nn.Softmax(dim=-1)

            def forward(self, state):
                return self.softmax(self.fc(state))

            def evaluate(self, state):
                probs = self.forward(state)
                return probs, torch.log(probs + 1e-8)

        actor, critic = Actor(), torch.nn.Linear(4, 2)
        critic_t = copy.deepcopy(critic)
        optimizer = torch.optim.Adam(critic.parameters())

        def learn(s, a, r, s2, d):
            with torch.no_grad():
                probs, log_probs = actor.evaluate(s2)
                soft_q = probs * (critic_t(s2) - 0.2 * log_probs)
                y = r + 0.99 * (1 - d) * soft_q.sum(dim=1)
            loss = ((critic(s).gather(1, a).squeeze(1) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    )
    [target] = model.td_targets
    assert [model.code(call) for call in target.bootstrap_calls] == ["critic_t(s2)"]


def test_values_weighted_by_a_network_that_makes_no_probabilities_are_no_expectation():
    model = _model(CRITIC.format(target="r + gamma * (1 - d) * (actor_t(s2) * q_net(s2)).sum(1)"))
    assert not model.td_targets


def test_an_action_sampled_from_the_actor_s_distribution_in_another_module_is_the_policy_s_action():
    """SAC: `next_action, log_pi = actor.evaluate(s2)` in `networks.py`, where the action is
    `tanh(Normal(mu, std).rsample())` of the actor's own forward pass."""
    networks = """
    import torch
    from torch.distributions import Normal

    class Actor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.mu, self.log_std = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)

        def forward(self, state):
            return self.mu(state), self.log_std(state)

        def evaluate(self, state):
            mu, log_std = self.forward(state)
            dist = Normal(mu, log_std.exp())
            e = dist.rsample().to(state.device)
            action = torch.tanh(e)
            return action, dist.log_prob(e).sum(1, keepdim=True)
    """
    model = _model(
        """
        import copy
        import torch
        from networks import Actor

        class Critic(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.net = torch.nn.Linear(4, 1)

            def forward(self, state, action):
                return self.net(torch.cat([state, action], 1))

        actor, critic = Actor(), Critic()
        critic_t = copy.deepcopy(critic)
        optimizer = torch.optim.Adam(critic.parameters())

        def learn(s, a, r, s2, d, gamma=0.99):
            with torch.no_grad():
                next_action, log_pi = actor.evaluate(s2)
                y = r + gamma * (1 - d) * (critic_t(s2, next_action) - 0.2 * log_pi)
            loss = ((critic(s, a) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """,
        ("networks", networks),
    )
    [target] = model.td_targets
    assert [model.code(call) for call in target.bootstrap_calls] == ["critic_t(s2, next_action)"]
    assert target.actor_critic
    alone = _model(model.code(model.source.primary.module))  # without networks.py: the action's maker is unknown
    assert not alone.td_targets and alone.holds_training_code  # but the file is worth its project


# ---- environments of the project are not networks -------------------------------------------------------
def test_a_method_inherited_from_a_gym_wrapper_is_not_a_forward_pass():
    model = _model(
        """
        from wrappers import Scaled
        class Player:
            def __init__(self, env):
                self.env = env
            def play(self, action):
                return self.env.step(action)
        Player(Scaled(None)).play(0)
        """,
        ("wrappers", "import gym\nclass Scaled(gym.ObservationWrapper):\n    def observation(self, o):\n        return o / 255.0\n"),
    )
    (call,) = model.dataflow.method_calls["step"]
    assert not model._finder.is_forward_call(call)


# ---- fixes are built from the text of their node's own file ------------------------------------------------
def test_statements_of_another_file_are_wrapped_with_that_file_s_lines():
    from dqn_lint.fixes.builders import wrap_statements

    agent = "\n" * 30 + "def learn(r, s2):\n    y = r + s2\n    return y\n"
    model = _model("import agent\n", ("agent", agent))
    context = model.source.units[1]
    function = context.module.body[0]
    statement = function.body.body[0]
    edit = wrap_statements(model.source, [statement], "with torch.no_grad()")
    assert edit is not None and edit.content == "    with torch.no_grad():\n        y = r + s2\n"


def test_volatile_passed_to_a_helper_that_makes_the_variable_is_reported_for_a_listed_input():
    """pytorch-ddpg: `critic([to_tensor(s2, volatile=True), a])` with
    `def to_tensor(x, volatile=False): return Variable(..., volatile=volatile).type(dtype)`."""
    model = _model(
        """
        import torch
        from torch.autograd import Variable
        critic = torch.nn.Linear(5, 1)

        def to_tensor(ndarray, volatile=False):
            return Variable(torch.from_numpy(ndarray), volatile=volatile).type(torch.FloatTensor)

        def q(s2, a, s):
            critic([to_tensor(s2, volatile=True), a])
            critic([to_tensor(s), a])
        """
    )
    first, second = sorted(
        (call for call in model.source.nodes_of_type(cst.Call) if model.code(call).startswith("critic(")),
        key=lambda call: model.source.span(call).start.row,
    )
    assert [model.code(call) for call in model.volatile_variables(first)] == [
        "Variable(torch.from_numpy(ndarray), volatile=volatile)"]
    assert model.volatile_variables(second) == []


def test_variable_volatile_feeding_a_forward_pass_is_reported_as_ignored():
    model = _model(
        """
        import torch
        from torch.autograd import Variable
        net = torch.nn.Linear(4, 2)
        x = Variable(torch.zeros(1, 4), volatile=True).float()
        y = Variable(torch.zeros(1, 4))
        net(x)
        net(y)
        """
    )
    first, second = sorted(
        (call for call in model.source.nodes_of_type(cst.Call) if model.code(call).startswith("net(")),
        key=lambda call: model.source.span(call).start.row,
    )
    assert [model.code(call) for call in model.volatile_variables(first)] == ["Variable(torch.zeros(1, 4), volatile=True)"]
    assert model.volatile_variables(second) == []


# ---- syncs between networks ------------------------------------------------------------------------------
SYNCS = """
import copy
import torch
from stable_baselines3.common.utils import polyak_update

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
opt = torch.optim.Adam(online.parameters())
tau = 0.005

{sync}
"""


def _syncs(sync: str):
    model = _model(SYNCS.format(sync=textwrap.dedent(sync)))
    return model, [(s.kind, model.code(s.destination), model.code(s.source), tuple(model.code(c) for c in s.coefficients)) for s in model.syncs]


def test_load_state_dict_of_a_state_dict_is_a_hard_sync():
    _, found = _syncs("target.load_state_dict(online.state_dict())")
    assert found == [(SyncKind.HARD, "target", "online", ())]


def test_a_state_dict_copied_or_kept_in_a_variable_is_still_the_source():
    _, found = _syncs("weights = copy.deepcopy(online.state_dict())\ntarget.load_state_dict(weights)")
    assert found == [(SyncKind.HARD, "target", "online", ())]


def test_loading_a_checkpoint_is_no_sync():
    _, found = _syncs('target.load_state_dict(torch.load("q.pt"))')
    assert found == []


def test_a_parameter_loop_copy_is_hard_and_a_polyak_mix_is_soft():
    _, hard = _syncs("for t, p in zip(target.parameters(), online.parameters()):\n    t.data.copy_(p.data)")
    assert hard == [(SyncKind.HARD, "target", "online", ())]
    _, soft = _syncs(
        "for p, t in zip(online.parameters(), target.parameters()):\n    t.data.copy_(tau * p.data + (1 - tau) * t.data)"
    )
    assert soft == [(SyncKind.SOFT, "target", "online", ("tau",))]


def test_loops_that_reuse_their_variable_names_each_sync_their_own_networks():
    """TD3's three soft updates, each `for param, target_param in zip(...)`: each loop's write
    is a sync between the two networks that loop zips."""
    model = _model(
        """
        import copy
        import torch

        actor, q1, q2 = torch.nn.Linear(3, 1), torch.nn.Linear(4, 1), torch.nn.Linear(4, 1)
        actor_t, q1_t, q2_t = copy.deepcopy(actor), copy.deepcopy(q1), copy.deepcopy(q2)
        tau = 0.005
        for param, target_param in zip(actor.parameters(), actor_t.parameters()):
            target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
        for param, target_param in zip(q1.parameters(), q1_t.parameters()):
            target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
        for param, target_param in zip(q2.parameters(), q2_t.parameters()):
            target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
        """
    )
    assert sorted((model.code(s.destination), model.code(s.source)) for s in model.syncs) == [
        ("actor_t", "actor"), ("q1_t", "q1"), ("q2_t", "q2")]


def test_lerp_and_mul_add_are_soft_syncs():
    _, lerp = _syncs("for t, p in zip(target.parameters(), online.parameters()):\n    t.lerp_(p, tau)")
    assert lerp == [(SyncKind.SOFT, "target", "online", ("tau",))]
    _, mul_add = _syncs(
        "with torch.no_grad():\n    for t, p in zip(target.parameters(), online.parameters()):\n"
        "        t.mul_(1 - tau)\n        t.add_(tau * p)"
    )
    assert mul_add == [(SyncKind.SOFT, "target", "online", ("tau",))]


def test_a_reversed_sync_names_the_online_network_as_destination():
    _, found = _syncs("online.load_state_dict(target.state_dict())")
    assert found == [(SyncKind.HARD, "online", "target", ())]


def test_sb3_polyak_update_is_a_soft_sync():
    _, found = _syncs("polyak_update(online.parameters(), target.parameters(), tau)")
    assert found == [(SyncKind.SOFT, "target", "online", ("tau",))]


def test_a_network_knows_its_syncs_and_its_training():
    model, _ = _syncs("target.load_state_dict(online.state_dict())\nfor p in target.parameters():\n    p.requires_grad_(False)")
    (sync,) = model.syncs
    target, online = model.network(sync.destination), model.network(sync.source)
    assert len(target.syncs_in) == 1 and not target.syncs_out and target.frozen and not target.trained
    assert online.trained and len(online.syncs_out) == 1 and not online.syncs_in


def _shares(sync: str):
    model = _model(SYNCS.format(sync=textwrap.dedent(sync)))
    return [(model.code(s.destination), model.code(s.source), s.source_shares) for s in model.syncs]


def test_a_chained_mul_add_writes_the_receiver_of_the_chain():
    found = _shares("for t, p in zip(target.parameters(), online.parameters()):\n    t.data.mul_(1 - tau).add_(tau * p.data)")
    assert found == [("target", "online", (0.005,))]


def test_the_tutorial_s_state_dict_blend_is_a_soft_sync_from_the_other_network():
    found = _shares(
        """
        t_sd = target.state_dict()
        o_sd = online.state_dict()
        for key in o_sd:
            t_sd[key] = o_sd[key] * tau + t_sd[key] * (1 - tau)
        target.load_state_dict(t_sd)
        """
    )
    assert found == [("target", "online", (0.005,))]


def test_a_dict_comprehension_blend_is_a_soft_sync():
    found = _shares(
        "t_sd = target.state_dict()\n"
        "target.load_state_dict({k: (1 - tau) * v + tau * t_sd[k] for k, v in online.state_dict().items()})"
    )
    assert found == [("target", "online", (0.995,))]


def test_a_network_s_own_state_dict_loaded_back_is_no_sync():
    assert _shares("sd = target.state_dict()\ntarget.load_state_dict(sd)") == []


def test_a_sync_helper_is_a_sync_at_each_call_with_its_arguments():
    model = _model(
        SYNCS.format(
            sync=textwrap.dedent(
                """
                def soft_update(dst, src, rate):
                    for d, s in zip(dst.parameters(), src.parameters()):
                        d.data.copy_(rate * s.data + (1 - rate) * d.data)

                soft_update(target, online, 0.01)
                soft_update(online, target, tau)
                """
            )
        )
    )
    found = {(model.code(s.destination), model.code(s.source), s.source_shares, model.code(s.site)) for s in model.syncs}
    assert found == {
        ("target", "online", (0.01,), "soft_update(target, online, 0.01)"),
        ("online", "target", (0.005,), "soft_update(online, target, tau)"),
    }


def test_a_coefficient_the_model_cannot_evaluate_has_no_share():
    assert _shares("for t, p in zip(target.parameters(), online.parameters()):\n    t.lerp_(p, cfg.tau)") == [
        ("target", "online", ())
    ]


NETWORK = """
import copy
import torch

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
opt = torch.optim.Adam(online.parameters())
{uses}
"""


def _target(uses: str):
    model = _model(NETWORK.format(uses=textwrap.dedent(uses)))
    binding = next(node for node in model.source.nodes_of_type(cst.Name) if node.value == "target")
    return model, model.network(binding)


def test_a_network_run_switched_frozen_and_saved_has_every_write_in_view():
    model, network = _target(
        """
        target.eval()
        target = target.to("cpu")
        for p in target.parameters():
            p.requires_grad = False
        torch.save({"target": target.state_dict()}, "ckpt.pt")
        y = target(torch.zeros(1, 4))
        """
    )
    assert [model.code(call) for call in network.made_by] == ["copy.deepcopy(online)"]
    assert len(network.creations) == 1 and not network.opaque_uses and network.writes_in_view
    assert network.frozen and not network.syncs_in


def test_a_library_call_or_a_submodule_reached_through_it_is_opaque():
    for uses in ("from lib import refresh\nrefresh(target)", "target.fc.weight.data.zero_()", "alias = target"):
        _, network = _target(uses)
        assert network.opaque_uses and not network.writes_in_view, uses


def test_a_network_bound_again_is_not_made_once():
    model = _model(
        """
        import copy
        import torch

        class DQN:
            def __init__(self, net):
                self.net = net
                self.target = copy.deepcopy(net)

            def update_target(self):
                self.target = copy.deepcopy(self.net)

            def values(self, s2):
                return self.target(s2)

        dqn = DQN(torch.nn.Linear(4, 2))
        """
    )
    binding = next(node for node in model.source.nodes_of_type(cst.Attribute) if node.attr.value == "target")
    network = model.network(binding)
    assert len(network.creations) == 2 and not network.writes_in_view


def test_a_copy_beside_the_creation_is_an_initial_sync_and_one_in_a_loop_is_not():
    _, once = _target("target.load_state_dict(online.state_dict())")
    assert once.syncs_in == once.initial_syncs and len(once.initial_syncs) == 1
    _, loop = _target("for step in range(10):\n    target.load_state_dict(online.state_dict())")
    assert len(loop.syncs_in) == 1 and not loop.initial_syncs


def test_an_attribute_s_holder_must_be_made_in_view_and_derive_from_nothing_unseen():
    agent = """
    import copy
    import torch
    {base_import}

    class Agent({base}):
        def __init__(self, net):
            self.q = net
            self.q_target = copy.deepcopy(net)

        def values(self, s2):
            return self.q_target(s2)
    {instantiate}
    """

    def holder(base_import="", base="", instantiate=""):
        model = _model(agent.format(base_import=base_import, base=base, instantiate=instantiate))
        binding = next(node for node in model.source.nodes_of_type(cst.Attribute) if node.attr.value == "q_target")
        return model.network(binding).holder_in_view

    assert holder(instantiate="agent = Agent(torch.nn.Linear(4, 2))")
    assert not holder()  # the training loop that makes the agent (and may sync it) is elsewhere
    assert not holder("from rl_lib import BaseAgent", "BaseAgent", "agent = Agent(torch.nn.Linear(4, 2))")
    assert holder("", "torch.nn.Module", "agent = Agent(torch.nn.Linear(4, 2))")


def test_a_helper_s_network_parameter_stands_for_the_argument_of_each_call():
    model = _model(
        """
        def bootstrap(net, s2):
            return net(s2)

        bootstrap(target_a, 0)
        bootstrap(agent.q_target, 0)
        bootstrap(nets[0], 0)
        """
    )
    param = next(node for node in model.source.nodes_of_type(cst.Name) if node.value == "net" and model.source.parent(node) is not None and isinstance(model.source.parent(node), cst.Call))
    assert model.network_bindings(param) is None  # `nets[0]` is not a binding the model can follow
    model = _model("def bootstrap(net, s2):\n    return net(s2)\n\nbootstrap(target_a, 0)\nbootstrap(agent.q_target, 0)\n")
    param = next(node for node in model.source.nodes_of_type(cst.Name) if node.value == "net" and isinstance(model.source.parent(node), cst.Call))
    assert sorted(model.code(b) for b in model.network_bindings(param)) == ["agent.q_target", "target_a"]


# ---- transitions ----------------------------------------------------------------------------------------------
def test_a_step_result_is_named_by_slot():
    model = _model(
        """
        import gymnasium as gym
        env = gym.make("CartPole-v1")
        obs, rew, term, trunc, _ = env.step(0)
        o, r, d, info = env.step(1)
        x = env.step(0)
        """
    )
    five, four, whole = sorted(model.dataflow.method_calls["step"], key=lambda call: model.source.span(call).start.row)
    gymnasium, old_gym = model.transition(five), model.transition(four)
    assert gymnasium.name(Slot.TERMINATED).value == "term" and gymnasium.name(Slot.TRUNCATED).value == "trunc"
    assert gymnasium.name(Slot.DONE) is None and gymnasium.name(Slot.INFO).value == "_"
    assert old_gym.name(Slot.DONE).value == "d" and old_gym.name(Slot.TERMINATED) is None
    assert model.transition(whole) is None


def test_the_terminal_flag_that_comes_with_the_rewards():
    proven = _model(
        """
        import gymnasium as gym
        import torch
        env = gym.make("CartPole-v1")
        net = torch.nn.Linear(4, 2)
        def update(s, r, s2, term):
            return r + 0.99 * net(s2).max(1)[0]
        s2, r, terminated, truncated, _ = env.step(0)
        update(s2, r, s2, terminated)
        """
    )
    (target,) = proven.td_targets
    assert proven.terminal_flag(target) == TerminalFlag("term", proven=True)
    guessed = _model(
        """
        import torch
        net = torch.nn.Linear(4, 2)
        def update(batch):
            s, a, r, s2, dones = batch
            return r + 0.99 * net(s2).max(1)[0]
        """
    )
    (target,) = guessed.td_targets
    assert guessed.terminal_flag(target) == TerminalFlag("dones", proven=False)


def test_a_copy_made_at_every_call_of_the_update_is_not_made_once():
    per_call = _model(
        """
        import copy

        def learn(online, batch):
            target = copy.deepcopy(online)
            return target(batch)
        """
    )
    binding = next(node for node in per_call.source.nodes_of_type(cst.Name) if node.value == "target")
    assert not per_call.network(binding).made_once
    before_loop = _model(
        """
        import copy

        def train(online, batches):
            target = copy.deepcopy(online)
            for batch in batches:
                print(target(batch))
        """
    )
    binding = next(node for node in before_loop.source.nodes_of_type(cst.Name) if node.value == "target")
    assert before_loop.network(binding).made_once


# ---- helpers traced with the arguments of the call that entered them --------------------------------------
QUANTILES = """
import copy
import torch

def at_action(quantiles, actions):
    return quantiles.gather(dim=2, index=actions[..., None].expand(-1, 8, 1))

class QuantileNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Linear(4, 16)
        self.quantile_net = torch.nn.Linear(16, 8 * 2)

    def forward(self, states):
        return self.quantile_net(self.body(states)).view(-1, 8, 2)

    def quantiles(self, states):
        return self.quantile_net(self.body(states)).view(-1, 8, 2)

online = QuantileNet()
target = {target}
optimizer = torch.optim.Adam(online.parameters())

def learn(s, a, r, s2, d, a2):
    current = at_action(online(s), a)
    with torch.no_grad():
        nxt = at_action({bootstrap}, a2).transpose(1, 2)
        y = r[..., None] + (1.0 - d[..., None]) * 0.99 * nxt
    loss = (y - current).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _bootstrap_networks(model) -> set[str]:
    return {model.code(model.bootstrap_network(call)) for target in model.td_targets for call in target.bootstrap_calls}


def test_a_helper_given_both_networks_outputs_bootstraps_only_from_the_one_passed_for_the_next_states():
    model = _model(QUANTILES.format(target="QuantileNet()", bootstrap="target(s2)"))
    assert _bootstrap_networks(model) == {"target"}


def test_a_method_of_a_network_class_made_twice_runs_the_instance_it_is_called_on():
    """`self.quantile_net` inside the class is the submodule of both instances; the receiver
    of `target.quantiles(...)` says which one runs."""
    for made in ("QuantileNet()", "copy.deepcopy(online)"):
        model = _model(QUANTILES.format(target=made, bootstrap="target.quantiles(s2)"))
        assert _bootstrap_networks(model) == {"target"}, made
        assert not model.shares_parameters_with_trained(model.td_targets[0].bootstrap_calls[0].func.value)


def test_submodules_a_class_makes_for_itself_are_not_shared_by_its_instances():
    model = _model(QUANTILES.format(target="QuantileNet()", bootstrap="target(s2)"))
    (call,) = model.td_targets[0].bootstrap_calls
    assert not model.shares_parameters_with_trained(model.bootstrap_network(call))


def test_a_holder_made_once_picks_its_target_field_by_a_flag():
    model = _model(
        """
        import torch
        class Nets(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.policy_net = torch.nn.Linear(4, 2)
                self.target_net = torch.nn.Linear(4, 2)
            def infer(self, x, uses_target=True):
                if uses_target:
                    return self.target_net(x)
                return self.policy_net(x)
        nets = Nets()
        optimizer = torch.optim.Adam(nets.policy_net.parameters())
        def learn(s, a, r, s2, d):
            q = nets.infer(s, uses_target=False).gather(1, a)
            y = r + 0.99 * nets.infer(s2, uses_target=True).max(1)[0].detach() * (1 - d)
            loss = (q.squeeze(1) - y).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    )
    assert _bootstrap_networks(model) == {"self.target_net"}


def test_a_buffer_that_is_a_dict_reads_back_what_its_own_methods_stored():
    model = _model(
        """
        import gym
        import numpy as np
        import torch
        class Memory(dict):
            def __init__(self):
                super().__init__()
                self["done"] = np.zeros((100, 1))
            def append(self, done):
                self["done"][0] = done
            def sample(self, idx):
                return torch.FloatTensor(self["done"][idx])
        env = gym.make("CartPole-v1")
        memory = Memory()
        _, _, done, _ = env.step(0)
        memory.append(done)
        flag = memory.sample([0])
        print(flag)
        """
    )
    assert "old-gym-done" in _kinds(model, "flag")


def test_a_batch_selected_with_itemgetter_holds_the_stored_transitions():
    """`list(itemgetter(*idxes)(self.buffer))` (mbpo's and AINE-DRL's buffers): the elements of the buffer."""
    model = _model(
        """
        import gym
        import numpy as np
        from operator import itemgetter
        class Memory:
            def __init__(self):
                self.buffer = []
            def push(self, state, done):
                self.buffer.append((state, done))
            def sample(self, n):
                idxes = np.random.randint(0, len(self.buffer), n)
                batch = list(itemgetter(*idxes)(self.buffer))
                state, done = map(np.stack, zip(*batch))
                return state, done
        env = gym.make("CartPole-v1")
        memory = Memory()
        obs, _, done, _ = env.step(0)
        memory.push(obs, done)
        _, flag = memory.sample(32)
        print(flag)
        """
    )
    assert "old-gym-done" in _kinds(model, "flag")


def test_a_conversion_helper_that_forwards_star_args_passes_the_flag_through():
    model = _model(
        """
        import gym
        import torch
        def from_numpy(*args, **kwargs):
            return torch.from_numpy(*args, **kwargs).float()
        env = gym.make("CartPole-v1")
        _, _, done, _ = env.step(0)
        flag = from_numpy(done)
        print(flag)
        """
    )
    assert "old-gym-done" in _kinds(model, "flag")


def test_rows_picked_by_index_select_in_a_buffer_helper_keep_the_flag():
    """A tensor buffer that gathers each field through one helper (`index_select` on the field
    seen as rows): the flag stored in `done` comes back out of `sample`."""
    model = _model(
        """
        import gymnasium as gym
        import torch
        class Buffer:
            def __init__(self):
                self.done = torch.zeros(4, 100)
            def add(self, done):
                self.done[:, 0] = torch.as_tensor(done)
            def sample(self, rows):
                return self._take(self.done, rows)
            def _take(self, field, rows):
                return field.flatten(0, 1).index_select(0, rows).view(4, -1)
        envs = gym.make_vec("CartPole-v1", num_envs=4)
        buffer = Buffer()
        obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
        buffer.add(terminated | truncated)
        flag = buffer.sample(torch.arange(8))
        print(flag)
        """
    )
    assert "terminated-or-truncated" in _kinds(model, "flag")


def test_a_dataclass_rebuilt_from_another_s_dict_and_moved_by_its_own_method_keeps_the_flag():
    """AINE-DRL's shape: `DQNExperience(**exp.__dict__)` copies the fields by name, and the
    record's `to(device)` builds a new one from `self.terminated.to(device)`."""
    model = _model(
        """
        import gymnasium as gym
        import torch
        from dataclasses import dataclass

        @dataclass(frozen=True)
        class Batch:
            obs: torch.Tensor
            terminated: torch.Tensor
            def to(self, device):
                return Batch(self.obs.to(device), self.terminated.to(device))

        @dataclass
        class Step:
            obs: torch.Tensor
            terminated: torch.Tensor

        envs = gym.make_vec("CartPole-v1", num_envs=4)
        obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
        step = Step(obs, terminated | truncated)
        flag = Batch(**step.__dict__).to("cpu").terminated
        entry = vars(step)["terminated"]
        print(flag, entry)
        """
    )
    assert _kinds(model, "flag") == {"terminated-or-truncated"}
    assert _kinds(model, "entry") == {"terminated-or-truncated"}


def test_a_namedtuple_method_reads_its_fields_from_every_construction():
    model = _model(
        """
        import gymnasium as gym
        from typing import NamedTuple
        class Transition(NamedTuple):
            state: object
            done: object
            def mask(self):
                return 1 - self.done
        env = gym.make("CartPole-v1")
        obs, reward, terminated, truncated, info = env.step(0)
        t = Transition(obs, done=terminated)
        flag = t.mask()
        print(flag)
        """
    )
    assert _kinds(model, "flag") == {"terminated"}


def test_a_record_field_passed_by_keyword_beside_a_starred_row_is_that_keyword():
    model = _model(
        """
        import gymnasium as gym
        from collections import namedtuple
        Transition = namedtuple("Transition", ["state", "done"])
        env = gym.make("CartPole-v1")
        obs, reward, terminated, truncated, info = env.step(0)
        head = [obs]
        flag = Transition(*head, done=terminated).done
        print(flag)
        """
    )
    assert _kinds(model, "flag") == {"terminated"}


def test_a_parameter_typed_with_an_abstract_env_runs_the_step_of_its_subclasses():
    """AINE-DRL's trainer holds `env: Env`, an abstract base; `GymEnv(Env).step` is what runs,
    and it folds `truncated` into `terminated` before returning it."""
    model = _model(
        """
        from abc import ABC, abstractmethod
        import gymnasium as gym

        class Env(ABC):
            @abstractmethod
            def step(self, action):
                raise NotImplementedError

        class GymEnv(Env):
            def __init__(self):
                self._env = gym.make_vec("CartPole-v1", num_envs=4)
            def step(self, action):
                obs, reward, terminated, truncated, info = self._env.step(action)
                terminated |= truncated
                return obs, reward, terminated

        class Trainer:
            def __init__(self, env: Env):
                self._env = env
            def run(self, action):
                obs, reward, flag = self._env.step(action)
                print(flag)
        """
    )
    assert "terminated-or-truncated" in _kinds(model, "flag")


def test_an_env_made_by_a_factory_method_and_a_static_constructor_runs_its_class_s_step():
    """AINE-DRL's factory: `self._make_env()` returns `GymEnv.from_gym_make(...)`, a static method
    that returns `GymEnv(...)`; the trainer it is handed to steps that class's `step`."""
    model = _model(
        """
        import gymnasium as gym

        class GymEnv:
            def __init__(self, env):
                self._env = env
            @staticmethod
            def from_gym_make(env_id):
                return GymEnv(gym.make_vec(env_id, num_envs=4))
            def step(self, action):
                obs, reward, terminated, truncated, info = self._env.step(action)
                return obs, reward, terminated | truncated

        class Trainer:
            def __init__(self, env):
                self._env = env
            def run(self, action):
                obs, reward, flag = self._env.step(action)
                print(flag)

        class Factory:
            def _make_env(self):
                return GymEnv.from_gym_make("CartPole-v1")
            def ready(self):
                return Trainer(self._make_env())

        Factory().ready().run(0)
        """
    )
    assert "terminated-or-truncated" in _kinds(model, "flag")


def test_a_typed_parameter_stands_for_its_class_where_the_callers_value_is_opaque():
    """`agent: Agent` filled by the user's own factory (opaque here): the trainer's
    `agent.update(exp)` still runs `Agent.update` and, through `self._update_train`, the subclass's."""
    model = _model(
        """
        import gymnasium as gym
        import user_factory

        class Agent:
            def update(self, exp):
                self._update_train(exp)
            def _update_train(self, exp):
                raise NotImplementedError

        class DQN(Agent):
            def _update_train(self, exp):
                flag = exp
                print(flag)

        class Trainer:
            def __init__(self, agent: Agent):
                self._agent = agent
            def run(self):
                envs = gym.make_vec("CartPole-v1", num_envs=4)
                obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
                self._agent.update(terminated | truncated)

        Trainer(user_factory.make_agent()).run()
        """
    )
    assert "terminated-or-truncated" in _kinds(model, "flag")


def test_an_agent_class_handed_over_in_a_config_dict_is_followed_to_its_methods():
    """CS285's trainer: `params["agent_class"] = DQNAgent` in one class, `agent_class(...)` in
    another; the batch the trainer samples reaches the agent's update."""
    model = _model(
        """
        import gym
        class DQNAgent:
            def __init__(self, env, agent_params):
                self.env = env
                self.last_done = False
            def step_env(self):
                _, _, done, _ = self.env.step(0)
                self.last_done = done
            def sample(self):
                return self.last_done
            def train(self, terminal):
                flag = terminal
                print(flag)
        class Trainer:
            def __init__(self, params):
                self.params = params
                agent_class = self.params["agent_class"]
                self.agent = agent_class(gym.make("CartPole-v1"), self.params["agent_params"])
            def train_agent(self):
                self.agent.step_env()
                terminal = self.agent.sample()
                self.agent.train(terminal)
        class QTrainer:
            def __init__(self, params):
                self.params = params
                self.params["agent_class"] = DQNAgent
                self.trainer = Trainer(self.params)
        QTrainer({"agent_params": {}}).trainer.train_agent()
        """
    )
    assert "old-gym-done" in _kinds(model, "flag")


# ---- the trailing shapes of what a TD loss compares --------------------------------------------------------
SHAPED = """
import torch
online = torch.nn.Linear(4, 2)
target = torch.nn.Linear(4, 2)
def learn(buffer):
    s, a, r, s2, d = buffer.sample(32)
    value = {expression}
    print(value)
"""


def _shape(expression: str) -> str:
    model = _model(SHAPED.format(expression=expression))
    return model.shape(_name_read(model, "value")).value


def test_a_gather_over_the_actions_keeps_a_size_one_dimension():
    assert _shape("online(s).gather(1, a)") == "[B, 1]"
    assert _shape("torch.gather(online(s), 1, a)") == "[B, 1]"
    assert _shape("online(s).gather(1, a).squeeze(1)") == "[B]"
    assert _shape("online(s).gather(1, a).squeeze()") == "[B]"


def test_a_reduction_over_the_actions_drops_the_dimension_unless_told_to_keep_it():
    assert _shape("target(s2).max(1)[0]") == "[B]"
    assert _shape("target(s2).max(dim=1).values") == "[B]"
    assert _shape("torch.max(target(s2), 1)[0]") == "[B]"
    assert _shape("target(s2).max(1, keepdim=True)[0]") == "[B, 1]"
    assert _shape("(online(s) * a).sum(1)") == "[B]"
    assert _shape("online(s)[range(32), a]") == "[B]"


def test_a_reduction_over_the_batch_or_with_no_dimension_has_no_shape_the_model_claims():
    assert _shape("target(s2).max(0)[0]") == "unknown"
    assert _shape("target(s2).max()") == "unknown"


def test_a_td_target_takes_the_shape_of_its_bootstrap_term_and_unsqueeze_follows_the_action_dimension():
    assert _shape("r + 0.99 * target(s2).max(1)[0] * (1 - d)") == "[B]"
    assert _shape("(r + 0.99 * target(s2).max(1)[0]).unsqueeze(1)") == "[B, 1]"
    assert _shape("(r + 0.99 * target(s2).max(2)[0]).unsqueeze(1)") == "[1, B]"  # seeds first: a row
    assert _shape("target(s2).max(1, keepdim=True)[0] + target(s2).max(1)[0]") == "[B, B]"
    assert _shape("r * d") == "unknown"  # a buffer's rewards and masks have no shape the model reads


TWO_HEADS = """
import torch

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Linear(4, 16)
        self.quantiles = torch.nn.Linear(16, 2 * 8)
        self.options = torch.nn.Linear(16, 3)

    def forward(self, x):
        h = torch.relu(self.body(x))
        return self.quantiles(h).view(-1, 2, 8), self.options(h)

net = Net()

def learn(buffer):
    s, a, r, s2, d = buffer.sample(32)
    quantiles, options = net(s)
    value = {expression}
    print(value)
"""


def test_an_element_of_a_network_s_tuple_output_is_shaped_as_its_forward_makes_it():
    def shape(expression: str) -> str:
        model = _model(TWO_HEADS.format(expression=expression))
        return model.shape(_name_read(model, "value")).value

    assert shape("options") == "[B, A]"
    assert shape("options[range(32), a]") == "[B]"
    assert shape("options.max(1)[0].unsqueeze(1)") == "[B, 1]"
    assert shape("quantiles") == "unknown"  # `view(-1, 2, 8)`: three dimensions, no shape the model claims


def test_a_network_whose_forward_returns_no_tuple_gives_its_elements_no_shape():
    model = _model(
        """
        import torch

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(4, 2)

            def forward(self, x):
                out = (self.fc(x), self.fc(x))
                return out

        net = Net()

        def learn(s):
            first, second = net(s)
            value = second
            print(value)
        """
    )
    assert model.shape(_name_read(model, "value")).value == "unknown"


def test_a_loss_links_its_prediction_and_its_td_target():
    model = _model(
        """
        import torch
        import torch.nn.functional as F
        online = torch.nn.Linear(4, 2)
        target = torch.nn.Linear(4, 2)
        optimizer = torch.optim.Adam(online.parameters())
        criterion = torch.nn.MSELoss()
        def learn(buffer):
            s, a, r, s2, d = buffer.sample(32)
            q = online(s).gather(1, a)
            with torch.no_grad():
                y = r + 0.99 * target(s2).max(1)[0] * (1 - d)
            loss = criterion(q, y.unsqueeze(1)) + F.cross_entropy(q, a)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    )
    (loss,) = model.td_losses
    assert (model.code(loss.node), model.code(loss.prediction), model.code(loss.target)) == (
        "criterion(q, y.unsqueeze(1))",
        "q",
        "y.unsqueeze(1)",
    )
    assert model.code(loss.td_target.node) == "r + 0.99 * target(s2).max(1)[0] * (1 - d)"


# ---- distributional (C51) targets: `r + gamma * support`, projected by index_add_ --------------------------
C51_PROGRAM = """
import torch
import torch.nn as nn
ATOMS = 51

class Categorical(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 2 * ATOMS)
        self.register_buffer("support", torch.linspace(-10.0, 10.0, ATOMS))
    def forward(self, x):
        return self.body(x).view(-1, 2, ATOMS).softmax(2)

def make(kind):
    return Categorical()

online = make("c51")
target = make("c51")
optimizer = torch.optim.Adam(online.parameters())

def projection(target_net, next_states, rewards, dones, gamma=0.99):
    next_dist = target_net(next_states)
    next_dist = next_dist[range(32), (next_dist * target_net.support).sum(2).argmax(1)]
    tz = (rewards.unsqueeze(1) + gamma * (1 - dones.unsqueeze(1)) * target_net.support.unsqueeze(0)).clamp(-10.0, 10.0)
    b = (tz + 10.0) / 0.4
    lower, upper = b.floor().long(), b.ceil().long()
    offset = (torch.arange(32) * ATOMS).unsqueeze(1)
    m = next_dist.clone().zero_()
    m.view(-1).index_add_(0, (lower + offset).view(-1), (next_dist * (upper.float() - b)).view(-1))
    m.view(-1).index_add_(0, (upper + offset).view(-1), (next_dist * (b - lower.float())).view(-1))
    return m

def learn(s, a, r, s2, d):
    m = projection(target, s2, r, d)
    loss = -(m * online(s)[range(32), a].log()).sum(1).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_a_categorical_target_is_the_support_shifted_by_the_reward_and_projected_by_index_add():
    model = _model(C51_PROGRAM)
    (target,) = model.td_targets
    assert target.distributional
    assert model.code(target.node).startswith("(rewards.unsqueeze(1) + gamma * (1 - dones.unsqueeze(1))")
    assert {model.code(model.bootstrap_network(call)) for call in target.bootstrap_calls} == {"target_net"}  # the helper's parameter, given `target`
    assert [model.code(mask.node) for mask in target.masks] == ["(1 - dones.unsqueeze(1))"]


def test_a_helper_that_builds_the_target_distribution_is_not_a_prediction():
    """`projection(target, ...)` runs `target` with gradient into the loss: the target's network, not
    a trained one."""
    model = _model(C51_PROGRAM)
    assert [model.code(network) for network in model.prediction_networks] == ["online"]


def test_an_index_add_into_a_view_writes_into_the_tensor_viewed():
    model = _model(
        """
        import torch
        def project(p, index):
            m = torch.zeros(4, 3)
            m.view(-1).index_add_(0, index, p)
            return m
        """
    )
    (m,) = [node for node in model.source.nodes_of_type(cst.Name) if node.value == "m" and model.code(model.source.parent(node)) == "return m"]
    values = {model.code(ref.node) for ref in model.dataflow.definitions(m)}
    assert {"p", "index", "torch.zeros(4, 3)"} <= values


def test_a_registered_buffer_is_a_field_of_every_instance_a_factory_makes():
    model = _model(C51_PROGRAM)
    (read,) = [node for node in model.source.nodes_of_type(cst.Attribute) if model.code(node) == "target_net.support.unsqueeze"]
    values = model.dataflow.instance_field_values(read.value.value, "support")
    assert [model.code(value.node) for value in values] == ["torch.linspace(-10.0, 10.0, ATOMS)"]


def test_an_element_read_by_index_from_a_list_filled_with_append_is_one_of_those_appended():
    model = _model(
        """
        import gym
        env = gym.make("CartPole-v1")
        dones = []
        _, _, done, _ = env.step(0)
        dones.append(done)
        flag = dones[-1]
        print(flag)
        """
    )
    assert "old-gym-done" in _kinds(model, "flag")


def test_a_class_whose_base_is_out_of_view_is_a_network_when_its_instances_are_used_as_one():
    """`class IQN(BaseModel)` with BaseModel in a module not read: two instances are two networks
    (not one object), because `load_state_dict` is called on one of them."""
    code = """
        import torch
        from nets.base import BaseModel
        class IQN(BaseModel):
            def __init__(self):
                super().__init__()
                self.head = torch.nn.Linear(4, 2)
            def quantiles(self, x):
                return self.head(x)
        online = IQN()
        target = IQN()
        target.load_state_dict(online.state_dict())
        optimizer = torch.optim.Adam(online.parameters())
        def learn(s, a, r, s2, d):
            with torch.no_grad():
                y = r + 0.99 * target.quantiles(s2).max(1)[0] * (1 - d)
            loss = (online.quantiles(s).gather(1, a).squeeze(1) - y).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    model = _model(code)
    (iqn,) = [cls for cls in model.source.classes if cls.name.value == "IQN"]
    assert model.dataflow.is_module_class(iqn)
    (call,) = model.td_targets[0].bootstrap_calls
    assert model.code(model.bootstrap_network(call)) == "target"
    assert not model.shares_parameters_with_trained(model.bootstrap_network(call))
    agent = _model(
        """
        from agents.base import BaseAgent
        class Agent(BaseAgent):
            def act(self, s):
                return 0
        a, b = Agent(), Agent()
        """
    )
    (cls,) = [cls for cls in agent.source.classes if cls.name.value == "Agent"]
    assert not agent.dataflow.is_module_class(cls)  # nothing says its instances are networks


# ---- what is a TD target's bootstrap, and what masks it ------------------------------------------------
def test_the_one_column_of_a_value_head_is_not_a_choice_among_actions():
    model = _model("""
    import torch
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters())

    def update(states, rewards, next_states, masks, gamma=0.99):
        with torch.no_grad():
            next_value = model(next_states)[:, 0]
        returns = rewards + gamma * next_value * masks
        loss = (model(states)[:, 0] - returns).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    """)
    assert model.td_targets == []  # A2C's returns: `v[:, 0]` squeezes a value head, it picks no action


def test_entries_written_under_a_flag_mask_by_the_flag_not_by_the_array():
    from dqn_lint.model import MaskKind

    model = _model("""
    import torch
    import torch.nn.functional as F
    online, target = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)
    opt = torch.optim.Adam(online.parameters())

    def update(s, a, r, s2, dones, gamma=0.99):
        with torch.no_grad():
            q_next = target(s2)
            q_next[dones, :] = 0.0
            y = r + gamma * q_next.max(1)[0]
        loss = F.mse_loss(online(s).gather(1, a).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    """)
    (target,) = model.td_targets
    assert {model.code(mask.node) for mask in target.masks if mask.kind is MaskKind.OVERWRITE} == {"dones"}


def test_a_flag_assigned_later_in_a_loop_reaches_the_top_of_the_next_pass():
    model = _model("""
    import numpy as np
    flag = np.zeros(2)
    for step in range(10):
        seen = flag
        flag = np.ones(2)
    for step in range(10):
        flag = np.zeros(2)
        again = flag
        flag = np.ones(2)
    """)
    values = {}
    for node in model.source.nodes_of_type(cst.Name):
        statement = model.code(model.source.statement(node))
        if node.value == "flag" and statement.startswith(("seen", "again")):
            values[statement.split()[0]] = sorted(model.code(ref.node) for ref in model.dataflow.definitions(node))
    assert values["seen"] == ["np.ones(2)", "np.zeros(2)"]
    assert values["again"] == ["np.zeros(2)"]  # the assignment before the read in the same pass kills the back edge


def test_any_or_all_of_a_flag_array_is_a_flag_of_the_same_kind():
    model = _model("""
    import gymnasium as gym
    import numpy as np
    envs = gym.make_vec("CartPole-v1", num_envs=4)
    obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
    ended = np.logical_or(terminated, truncated).any()
    stopped = terminated.all(axis=0)
    print(ended, stopped)
    """)
    assert _kinds(model, "ended") == {"terminated-or-truncated"}
    assert _kinds(model, "stopped") == {"terminated"}


# ---- a bootstrap chosen per sample (QR-DQN, IQN as sungyubkim wrote them, much copied) -------------
QR_DQN = """
import torch
import torch.nn.functional as F

def learn(pred_net, target_net, b_s, b_a, b_r, b_s_, b_d, gamma=0.99):
    q_eval = pred_net(b_s)
    mb_size = q_eval.size(0)
    q_eval = torch.stack([q_eval[i].index_select(0, b_a[i]) for i in range(mb_size)]).squeeze(1)
    q_next = target_net(b_s_).detach()
    best_actions = q_next.mean(dim=2).argmax(dim=1)
    q_next = torch.stack([q_next[i].index_select(0, best_actions[i]) for i in range(mb_size)]).squeeze(1)
    q_target = b_r.unsqueeze(1) + gamma * (1. - b_d.unsqueeze(1)) * q_next
    loss = F.smooth_l1_loss(q_eval, q_target.detach())
    loss.backward()
"""


def test_a_stack_of_per_sample_index_selects_of_the_target_net_is_a_td_target():
    model = _model(QR_DQN)
    [target] = model.td_targets
    assert model.code(target.node).startswith("b_r.unsqueeze(1) + gamma")
    assert {model.code(mask.node) for mask in target.masks} == {"(1. - b_d.unsqueeze(1))"}


QUOTA = """
import torch

def learn(pred_net, target_net, b_s, b_a, b_r, b_s_, b_d, gamma=0.99):
    q_next = target_net(b_s_).detach()
    a_next = torch.argmax(q_next, dim=1)
    y = q_next[range(64), a_next]
    y = gamma * (1. - b_d) * y
    y = y + b_r
    loss = (y - pred_net(b_s)[range(64), b_a]).pow(2).mean()
    loss.backward()
"""


def test_a_target_discounted_in_one_statement_and_rewarded_in_the_next_is_a_td_target():
    model = _model(QUOTA)
    [target] = model.td_targets
    assert model.code(target.node) == "y + b_r"
    assert {model.code(mask.node) for mask in target.masks} == {"(1. - b_d)"}


def test_a_sum_of_a_product_set_only_on_some_paths_is_not_taken_for_a_target():
    conditional = QUOTA.replace("    y = gamma * (1. - b_d) * y\n", "    if b_d.any():\n        y = gamma * (1. - b_d) * y\n")
    assert conditional != QUOTA
    assert _model(conditional).td_targets == []


# ---- numpy structured arrays and the emulator's frame limit (Kaixhin/Rainbow) --------------------------
STRUCTURED_BUFFER = """
import gymnasium as gym
import numpy as np

Transition_dtype = np.dtype([("timestep", np.int32), ("state", np.float32, (4,)), ("nonterminal", np.bool_)])
blank = (0, np.zeros(4, dtype=np.float32), False)

class Tree:
    def __init__(self, size):
        self.index = 0
        self.data = np.array([blank] * size, dtype={dtype})

    def append(self, row):
        self.data[self.index] = row
        self.index += 1

    def get(self, idxs):
        return self.data[idxs % 100]

env = gym.make("CartPole-v1")
tree = Tree(100)
obs, reward, terminated, truncated, info = env.step(0)
tree.append((0, obs, not {stored}))
rows = tree.get(np.arange(32))
flag = {read}
print(flag)
"""


def test_a_field_of_the_rows_of_a_structured_array_is_the_slot_its_dtype_names():
    """`self.data[idx]["nonterminal"]`: a structured array's rows are the tuples written into it,
    in the order of the dtype's fields, so the field is slot 2 of `(t, state, not terminal)`."""
    model = _model(STRUCTURED_BUFFER.format(dtype="Transition_dtype", stored="terminated", read='rows["nonterminal"]'))
    assert _kinds(model, "flag") == {"terminated"}
    model = _model(STRUCTURED_BUFFER.format(dtype="Transition_dtype", stored="truncated", read='rows["nonterminal"]'))
    assert _kinds(model, "flag") == {"truncated"}


def test_a_column_of_a_structured_array_is_that_field_of_every_row():
    model = _model(STRUCTURED_BUFFER.format(dtype="Transition_dtype", stored="truncated", read='tree.data["nonterminal"]'))
    assert _kinds(model, "flag") == {"truncated"}


def test_a_structured_dtype_given_as_a_list_of_pairs_names_the_fields_too():
    pairs = '[("timestep", np.int32), ("state", np.float32, (4,)), ("nonterminal", np.bool_)]'
    model = _model(STRUCTURED_BUFFER.format(dtype=pairs, stored="truncated", read='rows["nonterminal"]'))
    assert _kinds(model, "flag") == {"truncated"}


def test_a_field_no_dtype_names_stays_unknown():
    model = _model(STRUCTURED_BUFFER.format(dtype="np.float32", stored="truncated", read='rows["nonterminal"]'))
    assert "truncated" not in _kinds(model, "flag")


ALE = """
import atari_py

class Env:
    def __init__(self):
        self.ale = atari_py.ALEInterface()
        self.ale.setInt("random_seed", 1)
        {setting}
        self.ale.loadROM(atari_py.get_game_path("pong"))

    def step(self, action):
        reward = self.ale.act(action)
        done = self.ale.{over}
        return None, reward, done

env = Env()
state, reward, flag = env.step(0)
print(flag)
"""


def test_game_over_of_an_emulator_with_a_frame_limit_carries_the_limit():
    """Kaixhin/Rainbow sets `max_num_frames_per_episode`: `game_over()` is then also the cut."""
    model = _model(ALE.format(setting='self.ale.setInt("max_num_frames_per_episode", 108000)', over="game_over()"))
    assert _kinds(model, "flag") == {EMULATOR_LIMIT}
    [source] = model.flags.sources(Ref(_name_read(model, "flag")))
    assert model.code(model.frame_limit_setting(source.blame)) == 'self.ale.setInt("max_num_frames_per_episode", 108000)'
    bytes_key = ALE.format(setting='self.ale.setInt(b"max_num_frames_per_episode", limit)', over="game_over()")
    assert _kinds(_model("limit = 500\n" + bytes_key), "flag") == {EMULATOR_LIMIT}


def test_game_over_without_a_frame_limit_or_without_truncation_is_the_end_of_the_game():
    unlimited = ALE.format(setting='self.ale.setInt("max_num_frames_per_episode", 0)', over="game_over()")
    assert _kinds(_model(unlimited), "flag") == {TERMINATED}
    unset = ALE.format(setting="pass", over="game_over()")
    assert _kinds(_model(unset), "flag") == {TERMINATED}
    cut_left_out = ALE.format(setting='self.ale.setInt("max_num_frames_per_episode", 108000)', over="game_over(with_truncation=False)")
    assert _kinds(_model(cut_left_out), "flag") == {TERMINATED}


def test_a_frame_limit_set_on_another_emulator_is_not_this_one_s():
    other = ALE.format(
        setting='self.probe = atari_py.ALEInterface()\n        self.probe.setInt("max_num_frames_per_episode", 500)',
        over="game_over()",
    )
    assert _kinds(_model(other), "flag") == {TERMINATED}
