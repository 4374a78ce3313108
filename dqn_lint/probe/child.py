"""The probed run, in its own process: `python -m dqn_lint.probe.child PLAN REPORT SCRIPT [ARGS...]`.

The project's modules that hold watched sites are imported from rewritten source (an import hook
that only answers for those files); the script runs as `__main__` with its own arguments, its
folder first on `sys.path`, as `python SCRIPT` runs it. The run ends when the script does, when the
update budget is spent (raised from an optimizer step hook), or at the time budget (the main
thread is interrupted, and if the script has not stopped `STOP_GRACE_SECONDS` later, the process
ends from the timer's thread); the record is written in every case, with the script's own traceback, if
it failed, without this module's frames (the parent prints it, also with `--quiet`).
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import threading
import traceback
import _thread

from dqn_lint.probe.rewrite import PROBE_NAME, rewrite

SCRIPT_FAILED = 3  # the script raised: the parent reports it, with what was seen before
# After the time budget's interrupt, how long the script gets to stop before the run is ended
# from the timer's thread: the interrupt can be swallowed (a script that catches
# KeyboardInterrupt to save a checkpoint and goes on, an import under way when it came).
STOP_GRACE_SECONDS = 5.0


class _RewritingLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname: str, path: str, sites) -> None:
        super().__init__(fullname, path)
        self._sites = sites

    def source_to_code(self, data, path, *, _optimize=-1):
        return _rewritten_code(data, path, self._sites)

    def get_code(self, fullname):
        return self.source_to_code(self.get_data(self.path), self.path)


class _RewritingFinder(importlib.abc.MetaPathFinder):
    """Answers only for the files that hold watched sites; every other import goes on as usual."""

    def __init__(self, sites_by_path: dict[str, list]) -> None:
        self._sites = sites_by_path

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None:
            return None
        origin = os.path.realpath(spec.origin)
        if origin not in self._sites:
            return None
        loader = _RewritingLoader(fullname, spec.origin, self._sites[origin])
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=loader,
                                                      submodule_search_locations=spec.submodule_search_locations)


def main(argv: list[str]) -> int:
    plan_path, report_path, script, *script_args = argv
    with open(plan_path, encoding="utf-8") as stream:
        plan = json.load(stream)
    if plan.get("threads") is not None:
        os.environ.setdefault("OMP_NUM_THREADS", str(plan["threads"]))
    from dqn_lint.probe.observe import BudgetReached, Observer

    observer = Observer({site["id"]: site["observation"] for site in plan["sites"]}, plan["updates"])
    if plan.get("threads") is not None:
        observer.torch.set_num_threads(plan["threads"])
    setattr(builtins, PROBE_NAME, observer.record)
    sites_by_path: dict[str, list] = {}
    for site in plan["sites"]:
        sites_by_path.setdefault(os.path.realpath(site["path"]), []).append((site["id"], tuple(site["start"]), tuple(site["end"])))
    script_path = os.path.realpath(script)
    sys.meta_path.insert(0, _RewritingFinder({path: sites for path, sites in sites_by_path.items() if path != script_path}))

    timed_out, finished = threading.Event(), threading.Event()
    report_lock = threading.Lock()
    written = []

    def write_report(status: str, error: str | None) -> None:
        with report_lock:
            if not written:
                with open(report_path, "w", encoding="utf-8") as stream:
                    json.dump(observer.report(status, error), stream)
                written.append(status)

    def interrupt() -> None:
        timed_out.set()
        _thread.interrupt_main()
        if not finished.wait(STOP_GRACE_SECONDS):  # the interrupt was swallowed: end the run here
            write_report("time", None)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    timer = threading.Timer(plan["seconds"], interrupt)
    timer.daemon = True
    status, error, code = "finished", None, 0
    sys.argv = [script, *script_args]
    sys.path.insert(0, os.path.dirname(script_path))
    timer.start()
    try:
        _run_script(script_path, plan.get("package"), sites_by_path.get(script_path, []))
    except BudgetReached:
        status = "budget"
    except KeyboardInterrupt:
        status = "time" if timed_out.is_set() else "interrupted"
        code = 0 if timed_out.is_set() else 130
    except SystemExit as exit_:
        status = "finished" if exit_.code in (None, 0) else "exited"
        error = None if status == "finished" else f"the script exited with {exit_.code!r}"
    except BaseException as failure:  # the script's own error: its traceback, not ours
        status, code = "crashed", SCRIPT_FAILED
        error = "".join(traceback.format_exception(type(failure), failure, _script_frames(failure.__traceback__)))
    finally:
        finished.set()
        timer.cancel()
    write_report(status, error)
    return code


def _rewritten_code(data: bytes, path: str, sites) -> object:
    """A module's code object, decoded by its own cookie or BOM, with its watched sites wrapped."""
    from dqn_lint.sources import decode_source

    text = decode_source(data)
    if sites:
        text, _found = rewrite(text, sites)
    return compile(text, path, "exec", dont_inherit=True)


def _run_script(path: str, package: str | None, sites) -> None:
    with open(path, "rb") as stream:
        code = _rewritten_code(stream.read(), path, sites)
    main_module = type(sys)("__main__")
    main_module.__dict__.update({"__name__": "__main__", "__file__": path, "__package__": package,
                                 "__builtins__": builtins, "__spec__": None})
    sys.modules["__main__"] = main_module
    exec(code, main_module.__dict__)


def _script_frames(tb):
    """The traceback from the script's first frame on (ours are dropped)."""
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
