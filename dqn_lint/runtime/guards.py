"""Runtime guards for the two DQN bugs that a single tensor or a pair of modules can prove.

The static rules see names; at run time the tensors themselves say whether the TD target carries
autograd history (DQN002) and whether the "target" network is really a second network (DQN001).
Both guards are cheap on the success path (one attribute read, one pass over the parameters) so
they can stay in a training loop. They raise subclasses of `AssertionError`, so code and tests
written around a plain `assert` keep working.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "SharedParametersError",
    "TDTargetRequiresGradError",
    "assert_independent",
    "assert_td_target_frozen",
    "leaves_reached",
    "parameter_storages",
    "shares_storage",
]

StorageKey = tuple[str, int]  # (device, address of the storage's first byte)

_NAMES_SHOWN = 3


class TDTargetRequiresGradError(AssertionError):
    """The TD target carries autograd history: `loss.backward()` would move the bootstrap value."""


class SharedParametersError(AssertionError):
    """The target network shares parameter or buffer storage with the online network."""


def assert_td_target_frozen(y: torch.Tensor) -> None:
    """Raise `TDTargetRequiresGradError` when the TD target `y` requires grad or has a grad_fn.

    A target computed under `torch.no_grad()` or detached passes. The error says how many leaf
    tensors (in practice: parameter tensors) a backward pass from `y` would reach.
    """
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"assert_td_target_frozen expects a torch.Tensor, got {type(y).__name__}")
    if not y.requires_grad and y.grad_fn is None:
        return
    reached = len(leaves_reached(y))
    raise TDTargetRequiresGradError(
        f"TD target y requires grad (gradient would reach {reached} parameter tensor"
        f"{'' if reached == 1 else 's'}): compute the target under `with torch.no_grad():` or call "
        "`.detach()` (DQN002); if it still requires grad, the bootstrap network is the online "
        "network: build a separate target with `copy.deepcopy(online)` (DQN005). "
        "See `dqn-lint rule DQN002`."
    )


def leaves_reached(y: torch.Tensor) -> list[torch.Tensor]:
    """The distinct leaf tensors that require grad (in practice: parameter tensors) that a backward
    pass from `y` would reach, found by walking its graph: nothing is computed or freed."""
    if y.grad_fn is None:
        return [y] if y.requires_grad else []  # y is itself a leaf, e.g. a parameter
    seen_nodes: set[int] = set()
    leaves: dict[int, torch.Tensor] = {}
    stack = [y.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        variable = getattr(node, "variable", None)  # set on AccumulateGrad nodes only
        if isinstance(variable, torch.Tensor):
            leaves.setdefault(id(variable), variable)
        stack.extend(child for child, _ in node.next_functions)
    return list(leaves.values())


def parameter_storages(module: nn.Module) -> dict[StorageKey, list[str]]:
    """Map each storage behind the module's parameters and buffers to the names that use it.

    Tied parameters are listed under every name. Storages holding no bytes (zero-size tensors,
    meta tensors) are skipped: distinct empty tensors can all report address 0, which would make
    unrelated modules look shared.
    """
    owners: dict[StorageKey, list[str]] = {}
    named = [
        *module.named_parameters(remove_duplicate=False),
        *module.named_buffers(remove_duplicate=False),
    ]
    for name, tensor in named:
        if tensor is None or tensor.device.type == "meta":
            continue
        storage = tensor.untyped_storage()
        if storage.nbytes() == 0:
            continue
        owners.setdefault((str(tensor.device), storage.data_ptr()), []).append(name)
    return owners


def shares_storage(a: nn.Module, b: nn.Module) -> bool:
    """True when the two modules share any parameter or buffer storage.

    This is what the same object, a `copy.copy` shallow copy, a shared submodule or a tied
    parameter have in common; a `copy.deepcopy` shares nothing.
    """
    return not parameter_storages(a).keys().isdisjoint(parameter_storages(b).keys())


def assert_independent(online: nn.Module, target: nn.Module) -> None:
    """Raise `SharedParametersError` when `target` is `online` or shares any of its storage."""
    if online is target:
        raise SharedParametersError(
            "target network is the online network (same object), so the TD target moves with "
            "every optimizer step: build it with `target = copy.deepcopy(online)` and sync it "
            "with `target.load_state_dict(online.state_dict())` (DQN001; see `dqn-lint rule DQN001`)."
        )
    online_storages = parameter_storages(online)
    target_storages = parameter_storages(target)
    shared = [key for key in online_storages if key in target_storages]
    if not shared:
        return
    pairs = [f"{online_storages[key][0]} (target: {target_storages[key][0]})" for key in shared]
    shown = ", ".join(pairs[:_NAMES_SHOWN])
    if len(pairs) > _NAMES_SHOWN:
        shown += f", +{len(pairs) - _NAMES_SHOWN} more"
    raise SharedParametersError(
        f"target network shares {len(shared)} parameter/buffer storage"
        f"{'' if len(shared) == 1 else 's'} with the online network ({shown}), so the TD target "
        "moves with every optimizer step: build it with `target = copy.deepcopy(online)` (not "
        "`copy.copy` or reused submodules) and sync it with "
        "`target.load_state_dict(online.state_dict())` (DQN001; see `dqn-lint rule DQN001`)."
    )
