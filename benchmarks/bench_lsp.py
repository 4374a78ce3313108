"""How long the language server takes to show diagnostics after a change, once warm.

Starts `dqn-lint server` as an editor would (a pygls client over stdio), opens a DQN training
file (the DQN004 twin, about 300 lines, by default), waits for its first diagnostics (the cold
start: imports, rules). Then it sends `--changes` edits one at a time, after a pause each (a
comment line appended, different each time), and times each from the `didChange` notification
to the diagnostics published for that version (`--where middle`: a comment typed after a
statement in a function in the middle of the file, so that statement is parsed again). Then `--bursts` bursts of typing: 10 edits 30 ms
apart, timed from the last edit to its diagnostics. A change after a pause is linted at once;
the changes of a burst wait for the lint running and the server's pause (`DEBOUNCE_SECONDS`),
as a user sees it.

    python benchmarks/bench_lsp.py [--file PATH] [--changes 30] [--bursts 10] [--where end|middle]

Needs the `lsp` extra (pygls' client). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def measure(path: Path, changes: int, bursts: int, where: str) -> None:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    from dqn_lint.lsp.server import DEBOUNCE_SECONDS

    workspace = Path(tempfile.mkdtemp(prefix="bench-lsp-"))
    target = workspace / "train.py"
    shutil.copy(path, target)
    text = target.read_text()
    client = LanguageClient("dqn-lint-bench", "1")
    await client.start_io(sys.executable, "-m", "dqn_lint", "server")
    published: dict[int, float] = {}
    waiting: dict[int, asyncio.Future] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published[params.version] = time.perf_counter()
        future = waiting.pop(params.version, None)
        if future is not None and not future.done():
            future.set_result(len(params.diagnostics))

    try:
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=workspace.as_uri()))
        client.initialized(types.InitializedParams())
        uri = target.as_uri()
        loop = asyncio.get_running_loop()
        waiting[1] = loop.create_future()
        start = time.perf_counter()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
        )
        found = await asyncio.wait_for(waiting[1], 120)
        cold = time.perf_counter() - start
        lines = text.splitlines(keepends=True)
        middle = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("        ") and "=" in lines[i])

        def edited(version: int) -> str:
            if where == "end":  # a comment line appended
                return f"{text}# edit {version}\n"
            # a comment typed at the end of a statement in the middle of the file, inside a function
            return "".join([*lines[:middle], f"{lines[middle].rstrip()}  # edit {version}\n", *lines[middle + 1:]])

        def change(version: int) -> None:
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited(version))],
                )
            )

        timings, burst_timings = [], []
        version = 1
        for _ in range(changes):
            version += 1
            waiting[version] = loop.create_future()
            start = time.perf_counter()
            change(version)
            await asyncio.wait_for(waiting[version], 60)
            timings.append(published[version] - start)
            await asyncio.sleep(0.2)  # a pause in typing: each change is linted on its own
        for _ in range(bursts):
            for keystroke in range(10):
                version += 1
                if keystroke:
                    await asyncio.sleep(0.03)
                start = time.perf_counter()
                change(version)
            waiting[version] = loop.create_future()
            await asyncio.wait_for(waiting[version], 60)
            burst_timings.append(published[version] - start)
            await asyncio.sleep(0.3)
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        shutil.rmtree(workspace, ignore_errors=True)

    lines = len(text.splitlines())
    print(f"file: {path.name} ({lines} lines), {found} diagnostics; each change at the {where} of the file")
    print(f"first diagnostics after open (cold server): {cold * 1000:.0f} ms")
    print(f"after a change made after a pause, warm ({len(timings)} changes):")
    print(_summary(timings))
    if burst_timings:
        print(f"after the last change of a burst (10 changes 30 ms apart; debounce {DEBOUNCE_SECONDS * 1000:.0f} ms), {len(burst_timings)} bursts:")
        print(_summary(burst_timings))


def _summary(seconds: list[float]) -> str:
    ms = sorted(t * 1000 for t in seconds)
    return f"  median {statistics.median(ms):.0f} ms, p90 {ms[int(0.9 * (len(ms) - 1))]:.0f} ms, best {ms[0]:.0f} ms, worst {ms[-1]:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=ROOT / "fixtures" / "twins" / "dqn004_missing_terminal_mask.py")
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument("--where", choices=("end", "middle"), default="end",
                        help="append a comment line (end), or type a comment after a statement inside a function (middle)")
    args = parser.parse_args()
    asyncio.run(measure(args.file, args.changes, args.bursts, args.where))


if __name__ == "__main__":
    main()
