"""Names of the torch, numpy and Python APIs the analyses recognise, by fully qualified name.

Everything is matched through imports (`import torch as th` makes `th.no_grad` "torch.no_grad"),
never by how the code spells it.
"""

from __future__ import annotations

GRAD_FREE_CONTEXTS = frozenset(
    {
        "torch.no_grad",
        "torch.inference_mode",
        "torch.autograd.no_grad",
        "torch.autograd.grad_mode.no_grad",
        "torch.autograd.grad_mode.inference_mode",
    }
)
GRAD_SWITCHES = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled", "torch.autograd.grad_mode.set_grad_enabled"})
GRAD_ENABLING_CONTEXTS = frozenset({"torch.enable_grad", "torch.autograd.enable_grad", "torch.autograd.grad_mode.enable_grad"})

# Calls that return a module, with the name of their module argument: `torch = importorskip("torch")`.
MODULE_IMPORTING_FUNCTIONS = {"importlib.import_module": "name", "pytest.importorskip": "modname", "builtins.__import__": "name"}

OPTIMIZER_PREFIXES = ("torch.optim.",)
DEEPCOPY = "copy.deepcopy"
SHALLOW_COPY = "copy.copy"
NAMEDTUPLE_FACTORIES = frozenset({"collections.namedtuple", "typing.NamedTuple"})
NAMEDTUPLE_CLASSES = frozenset({"typing.NamedTuple"})
DATACLASS = frozenset({"dataclasses.dataclass"})  # a record class: fields in declaration order

# Methods whose result carries no gradient (they leave autograd or return integers/booleans).
GRAD_CUTTING_METHODS = frozenset(
    {"detach", "detach_", "item", "numpy", "tolist", "argmax", "argmin", "long", "int", "bool", "byte", "short"}
)
# Functions whose result carries no gradient.
GRAD_CUTTING_FUNCTIONS_PREFIXES = ("numpy.", "math.")
GRAD_CUTTING_FUNCTIONS = frozenset(
    {"builtins.float", "builtins.int", "builtins.bool", "builtins.round", "torch.argmax", "torch.argmin",
     "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.no_grad", "torch.zeros_like", "torch.ones_like",
     "torch.zeros", "torch.ones", "torch.empty", "torch.full", "torch.full_like", "torch.arange"}
)

# Reductions over the action dimension that turn Q(s', .) into a bootstrap value.
MAX_METHODS = frozenset({"max", "amax"})
MAX_FUNCTIONS = frozenset({"torch.max", "torch.amax", "numpy.max", "numpy.amax", "builtins.max", "numpy.nanmax"})
GATHER_METHODS = frozenset({"gather", "take_along_dim"})
GATHER_FUNCTIONS = frozenset({"torch.gather", "torch.take_along_dim", "numpy.take_along_axis"})
INDEX_METHODS = frozenset({"argmax", "argmin", "indices"})

# Methods that keep the value of their receiver (shape, dtype, device changes).
VALUE_PRESERVING_METHODS = frozenset(
    {"detach", "detach_", "squeeze", "unsqueeze", "view", "reshape", "flatten", "float", "double", "half", "to",
     "cpu", "cuda", "numpy", "item", "clone", "contiguous", "type", "astype", "view_as", "reshape_as", "expand",
     "expand_as", "squeeze_", "unsqueeze_", "type_as", "long", "int", "bool", "tolist", "mean", "sum", "clamp",
     "clip", "clamp_", "mul", "add", "mul_", "add_", "masked_fill", "masked_fill_", "where", "logical_or",
     "logical_and", "logical_not", "T", "mT", "t", "transpose", "permute", "data", "values", "numel", "copy",
     "index_select"}
)
VALUE_PRESERVING_FUNCTIONS = frozenset(
    {"torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.FloatTensor", "torch.LongTensor", "torch.BoolTensor",
     "torch.Tensor", "torch.ByteTensor", "torch.stack", "torch.cat", "torch.squeeze", "torch.unsqueeze",
     "torch.flatten", "torch.reshape", "numpy.array", "numpy.asarray", "numpy.stack", "numpy.vstack",
     "numpy.hstack", "numpy.concatenate", "numpy.float32", "numpy.float64", "numpy.squeeze", "numpy.expand_dims",
     "numpy.reshape", "numpy.asarray", "numpy.ascontiguousarray", "builtins.float", "builtins.int", "builtins.bool",
     "builtins.list", "builtins.tuple", "torch.clamp", "torch.clip", "numpy.clip", "einops.rearrange"}
)

# Ways to combine two flags into "either one happened".
FLAG_UNION_FUNCTIONS = frozenset(
    {"numpy.logical_or", "torch.logical_or", "builtins.max", "numpy.maximum", "torch.maximum", "torch.max",
     "builtins.any", "numpy.any", "torch.any", "numpy.fmax", "operator.or_"}
)
FLAG_UNION_METHODS = frozenset({"logical_or", "logical_or_", "maximum", "__or__"})
FLAG_INTERSECT_FUNCTIONS = frozenset({"numpy.logical_and", "torch.logical_and", "numpy.minimum", "torch.minimum", "builtins.min", "builtins.all"})
FLAG_INTERSECT_METHODS = frozenset({"logical_and", "logical_and_"})
FLAG_NEGATE_FUNCTIONS = frozenset({"numpy.logical_not", "torch.logical_not", "operator.not_"})
FLAG_NEGATE_METHODS = frozenset({"logical_not", "logical_not_", "bitwise_not"})
# `dones.any()`, `ended.all(axis=0)`: whether any (every) env's flag is set, a flag of the same kind
FLAG_REDUCE_METHODS = frozenset({"any", "all"})
TIME_LIMIT_KEYS = frozenset({"TimeLimit.truncated"})
# gym's TimeLimit wrapper and EnvSpec: the step count at which an episode is truncated
TIME_LIMIT_ATTRIBUTES = frozenset({"_max_episode_steps", "max_episode_steps"})

# torch.nn modules without parameters: sharing one between two networks shares nothing trainable.
PARAMETER_FREE_MODULES = frozenset(
    f"torch.nn.{name}"
    for name in (
        "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Softplus",
        "Softsign", "Softmax", "LogSoftmax", "Hardtanh", "Hardswish", "Hardsigmoid", "Tanhshrink", "Softshrink",
        "Hardshrink", "LogSigmoid", "Threshold", "GLU", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
        "AlphaDropout", "Identity", "Flatten", "Unflatten", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d",
        "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample",
    )
)

# Calls that return a module running the same parameters as their argument.
MODULE_WRAPPERS = frozenset({"torch.compile", "torch.jit.script", "torch.jit.trace"})
# Module containers indexed by key or position.
MODULE_CONTAINERS = frozenset({"torch.nn.ModuleDict", "torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ParameterDict"})

# nn.Module methods that return the module itself (`target = online.to(device)` is `online`).
SELF_RETURNING_MODULE_METHODS = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "requires_grad_", "share_memory", "type"}
)

# `torch.autograd.Variable`: its `volatile=True` was the no-grad of PyTorch before 0.4 (now ignored)
VARIABLE_CLASSES = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable"})

# Stable-Baselines3's replay buffer: each field of a sampled batch (`ReplayBufferSamples`, in this
# order) is what `add(obs, next_obs, action, reward, done, infos)` stored at (position, keyword).
SB3_REPLAY_BUFFERS = frozenset({"stable_baselines3.common.buffers.ReplayBuffer", "stable_baselines3.ReplayBuffer"})
SB3_SAMPLE_FIELDS = ("observations", "actions", "next_observations", "dones", "rewards")
SB3_ADD_ARGUMENTS = {
    "observations": (0, "obs"),
    "next_observations": (1, "next_obs"),
    "actions": (2, "action"),
    "rewards": (3, "reward"),
    "dones": (4, "done"),
}
# numpy calls that make an array of a given `dtype=`: with a structured dtype, its rows are records
NUMPY_ARRAY_MAKERS = frozenset(
    {"numpy.array", "numpy.asarray", "numpy.zeros", "numpy.empty", "numpy.ones", "numpy.full", "numpy.recarray",
     "numpy.rec.array", "numpy.rec.fromrecords"}
)
# The Arcade Learning Environment's interface, used without gym: `game_over()` is also True when the
# frame limit `max_num_frames_per_episode` (0, its default, is none) ends the episode
ALE_INTERFACES = frozenset(
    {"atari_py.ALEInterface", "atari_py.ale_python_interface.ALEInterface", "ale_py.ALEInterface",
     "ale_py.ale_py.ALEInterface", "ale_python_interface.ALEInterface"}
)
ALE_FRAME_LIMIT = "max_num_frames_per_episode"
