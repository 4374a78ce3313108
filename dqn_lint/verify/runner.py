"""Train fixture programs in worker processes, with progress, and keep what finished on Ctrl-C.

One task is one fixture program at one setting; its seeds train together inside the program. Tasks
run in a pool of `jobs` spawned processes (one torch thread each) that ignore SIGINT: the parent
alone handles Ctrl-C, terminates the pool and returns the runs that had finished.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import queue as queue_module
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

import dqn_lint

REFERENCE = "reference_dqn"


@dataclass(frozen=True)
class Settings:
    """What a run depends on besides the program (part of the evidence cache key)."""

    env_id: str = "CartPole-v1"
    seeds: int = 5
    first_seed: int = 0
    steps: int = 50_000
    lr: float | None = None  # None: the fixture's default
    time_limit: int | None = None  # None: the env's default


@dataclass(frozen=True)
class Task:
    program: str  # REFERENCE or a module name in fixtures/twins
    settings: Settings

    @property
    def label(self) -> str:
        limit = f", TimeLimit {self.settings.time_limit}" if self.settings.time_limit else ""
        return f"{self.program}{limit}"


class RunFailed(Exception):
    """A training run raised: the message names the program and the error, never a traceback."""


def fixture_file(program: str) -> Path:
    """The fixture program's file: installed as `dqn_lint.fixtures`, or `fixtures/` of a source
    checkout when `python -m dqn_lint` runs there (the checkout's `dqn_lint` shadows the installed one)."""
    return _fixtures_path(f"{program}.py" if program == REFERENCE else f"twins/{program}.py")


def _fixtures_path(relative: str) -> Path:
    try:
        from importlib import resources

        return Path(str(resources.files("dqn_lint.fixtures").joinpath(relative)))
    except ModuleNotFoundError:
        return Path(dqn_lint.__file__).resolve().parent.parent / "fixtures" / relative


def program_source(program: str) -> bytes:
    """The fixture's source, for linting it the way a user's file is linted."""
    return fixture_file(program).read_bytes()


def load_program(program: str) -> ModuleType:
    return _load(f"_dqn_lint_fixture_{program}", fixture_file(program))


FIXTURE_ENVS = ("stay_or_quit",)
"""dqn-lint's own environments in `fixtures/`: importing each registers it with gymnasium."""


def register_fixture_envs() -> None:
    """Make dqn-lint's own environments known to `gym.make` in this process (a worker too)."""
    for name in FIXTURE_ENVS:
        _load(f"_dqn_lint_fixture_env_{name}", _fixtures_path(f"{name}.py"))


def _load(name: str, path: Path) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
        spec.loader.exec_module(module)
    return sys.modules[name]


_progress_queue = None


def _init_worker(progress_queue) -> None:
    global _progress_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    _progress_queue = progress_queue


def train(task: Task, progress: Callable[[int], None] | None = None) -> dict:
    """Train one program with a recorder; returns the recorder's summary (plain data)."""
    import torch

    from dqn_lint.verify.probes import Recorder

    torch.set_num_threads(1)
    # DQN008's twin broadcasts its loss on purpose; torch's warning about it would print the
    # twin's source line in the middle of the progress display
    warnings.filterwarnings("ignore", message="Using a target size", category=UserWarning)
    register_fixture_envs()
    fixture = load_program(task.program)
    s = task.settings
    overrides = {"lr": s.lr} if s.lr is not None else {}
    cfg = fixture.Config(env_id=s.env_id, seed=s.first_seed, seeds=s.seeds, total_steps=s.steps,
                         time_limit=s.time_limit, eval_every=max(1, s.steps // 10), quiet=True,
                         learning_starts=min(fixture.Config.learning_starts, max(1, s.steps // 10)),
                         **overrides)
    recorder = Recorder(progress=progress)
    try:
        fixture.train(cfg, recorder)
    finally:
        recorder.close()
    return {"task": {"program": task.program, "settings": asdict(s)}, **recorder.summary()}


def _train_in_worker(task: Task) -> dict:
    def report(step: int) -> None:
        _progress_queue.put((task, step))

    try:
        return train(task, report)
    except Exception as error:  # crosses the process boundary as a message, not a traceback
        raise RunFailed(f"training {task.label} failed: {type(error).__name__}: {error}") from None


def run_all(tasks: Sequence[Task], jobs: int,
            on_progress: Callable[[Task, int], None] | None = None,
            on_done: Callable[[Task, dict], None] | None = None) -> tuple[dict[Task, dict], bool]:
    """Train every task; returns (finished runs, interrupted). A failed run raises RunFailed."""
    context = multiprocessing.get_context("spawn")
    progress_queue = context.Queue()
    finished: dict[Task, dict] = {}
    pool = context.Pool(max(1, min(jobs, len(tasks))), initializer=_init_worker, initargs=(progress_queue,))
    try:
        pending = {task: pool.apply_async(_train_in_worker, (task,)) for task in tasks}
        while pending:
            _drain(progress_queue, on_progress, timeout=0.2)
            for task, result in list(pending.items()):
                if result.ready():
                    del pending[task]
                    finished[task] = result.get()
                    if on_done is not None:
                        on_done(task, finished[task])
    except KeyboardInterrupt:
        pool.terminate()
        return finished, True
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.close()
        pool.join()
    return finished, False


def _drain(progress_queue, on_progress, timeout: float) -> None:
    try:
        item = progress_queue.get(timeout=timeout)
    except queue_module.Empty:
        return
    while True:
        if on_progress is not None:
            on_progress(*item)
        try:
            item = progress_queue.get_nowait()
        except queue_module.Empty:
            return
