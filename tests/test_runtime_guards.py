"""The runtime guards: a TD target with autograd history and a target network sharing the online one's storage."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402
from torch import nn  # noqa: E402

from dqn_lint.runtime import (  # noqa: E402
    SharedParametersError,
    TDTargetRequiresGradError,
    assert_independent,
    assert_td_target_frozen,
)
from dqn_lint.runtime import guards  # noqa: E402


def _net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _td_target(bootstrap: nn.Module, gamma: float = 0.99) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    rewards, next_states = torch.rand(5, generator=generator), torch.randn(5, 4, generator=generator)
    terminated = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0])
    return rewards + gamma * (1 - terminated) * bootstrap(next_states).max(dim=1).values


@pytest.fixture(autouse=True)
def _seeded() -> None:
    torch.manual_seed(0)


# --- assert_td_target_frozen -------------------------------------------------------------------


def test_target_computed_under_no_grad_passes():
    with torch.no_grad():
        y = _td_target(_net())
    assert_td_target_frozen(y)


def test_detached_target_passes():
    assert_td_target_frozen(_td_target(_net()).detach())


def test_target_computed_under_inference_mode_passes():
    with torch.inference_mode():
        y = _td_target(_net())
    assert_td_target_frozen(y)


def test_target_computed_with_the_online_network_without_detach_raises_and_names_the_fix():
    online = _net()
    with pytest.raises(TDTargetRequiresGradError) as caught:
        assert_td_target_frozen(_td_target(online))
    message = str(caught.value)
    assert "with torch.no_grad():" in message
    assert ".detach()" in message
    assert "copy.deepcopy(online)" in message
    assert "DQN002" in message
    assert "gradient would reach 4 parameter tensors" in message  # two Linear layers: weight + bias each


def test_requires_grad_error_counts_only_the_parameters_the_target_depends_on():
    online = _net()
    generator = torch.Generator().manual_seed(1)
    features = online[0](torch.randn(3, 4, generator=generator)).detach()  # first layer cut off
    y = online[2](torch.relu(features)).max(dim=1).values
    with pytest.raises(TDTargetRequiresGradError, match="gradient would reach 2 parameter tensors"):
        assert_td_target_frozen(y)


def test_a_leaf_that_requires_grad_is_not_a_frozen_target():
    with pytest.raises(TDTargetRequiresGradError, match="reach 1 parameter tensor\\)"):
        assert_td_target_frozen(torch.zeros(3, requires_grad=True))


def test_requires_grad_error_is_an_assertion_error():
    with pytest.raises(AssertionError):
        assert_td_target_frozen(_td_target(_net()))


def test_frozen_guard_rejects_something_that_is_not_a_tensor():
    with pytest.raises(TypeError, match="torch.Tensor"):
        assert_td_target_frozen([1.0, 2.0])  # type: ignore[arg-type]


# --- assert_independent ------------------------------------------------------------------------


def test_deep_copy_of_online_network_is_independent():
    online = _net()
    assert_independent(online, copy.deepcopy(online))


def test_two_fresh_networks_are_independent():
    assert_independent(_net(), _net())


def test_target_synced_with_load_state_dict_stays_independent():
    online, target = _net(), _net()
    target.load_state_dict(online.state_dict())
    assert_independent(online, target)


def test_online_network_used_as_its_own_target_is_not_independent():
    online = _net()
    target = online
    with pytest.raises(SharedParametersError) as caught:
        assert_independent(online, target)
    message = str(caught.value)
    assert "same object" in message
    assert "target = copy.deepcopy(online)" in message
    assert "target.load_state_dict(online.state_dict())" in message
    assert "DQN001" in message


def test_shallow_copy_of_online_network_is_not_independent():
    online = _net()
    with pytest.raises(SharedParametersError) as caught:
        assert_independent(online, copy.copy(online))
    message = str(caught.value)
    assert "shares 4 parameter/buffer storages" in message
    assert "0.weight (target: 0.weight)" in message
    assert "+1 more" in message  # three names shown, the fourth summarised
    assert "DQN001" in message


def test_shared_submodule_is_not_independent():
    online = _net()
    target = nn.Sequential(online[0], nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(SharedParametersError) as caught:
        assert_independent(online, target)
    message = str(caught.value)
    assert "shares 2 parameter/buffer storages" in message
    assert "0.weight" in message and "0.bias" in message
    assert "2.weight" not in message


def test_tied_weight_is_not_independent():
    online, target = _net(), _net()
    target[2].weight = online[2].weight
    expected = r"shares 1 parameter/buffer storage with .*\(2\.weight \(target: 2\.weight\)\)"
    with pytest.raises(SharedParametersError, match=expected):
        assert_independent(online, target)


def test_shared_buffer_is_not_independent():
    online = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
    target = copy.deepcopy(online)
    target[1].running_mean = online[1].running_mean
    with pytest.raises(SharedParametersError, match=r"1\.running_mean"):
        assert_independent(online, target)


def test_shared_parameter_error_is_an_assertion_error():
    online = _net()
    with pytest.raises(AssertionError):
        assert_independent(online, copy.copy(online))


def test_zero_size_parameters_do_not_look_shared():
    def with_empty_parameter() -> nn.Module:
        module = _net()
        module.register_parameter("empty", nn.Parameter(torch.empty(0)))
        return module

    online, target = with_empty_parameter(), with_empty_parameter()
    # The trap the guard avoids: distinct empty storages report the same address.
    assert online.empty.untyped_storage().data_ptr() == target.empty.untyped_storage().data_ptr()
    assert_independent(online, target)
    assert not guards.shares_storage(online, target)


def test_meta_device_networks_do_not_look_shared():
    online, target = nn.Linear(4, 8, device="meta"), nn.Linear(4, 8, device="meta")
    assert_independent(online, target)


def test_parameter_storages_lists_every_name_of_a_tied_parameter():
    module = _net()
    module[2].weight = nn.Parameter(torch.randn(2, 8))
    module.add_module("head", module[2])  # the same layer under a second name
    owners = guards.parameter_storages(module)
    assert ["2.weight", "head.weight"] in owners.values()
    assert len(owners) == 4


def test_verify_probes_use_the_guards_storage_check():
    from dqn_lint.verify import probes

    assert probes.shares_storage is guards.shares_storage


# --- importing the package ---------------------------------------------------------------------


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_runtime_without_torch_names_the_extra_to_install():
    result = _run_python("import sys; sys.modules['torch'] = None; import dqn_lint.runtime")
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert 'pip install "dqn-lint[verify]"' in result.stderr


def test_importing_runtime_does_not_import_stable_baselines3():
    result = _run_python(
        "import sys, dqn_lint.runtime; print('stable_baselines3' in sys.modules, 'torch' in sys.modules)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
