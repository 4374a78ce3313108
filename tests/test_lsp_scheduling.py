"""When the language server lints a change: at once after a pause in typing, once per burst otherwise.

These drive the server object in-process, with the lint replaced by a stub that records what it
was asked to lint (and can be held, to play a slow lint), so that what is tested is the
scheduling alone. The end-to-end behaviour (real lints, a real client) is in test_lsp_server.py.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from lsprotocol import types

from dqn_lint.lsp import server as lsp_server
from dqn_lint.lsp.documents import LintedDocument

pytestmark = pytest.mark.asyncio

URI = "file:///project/train.py"


class StubLint:
    """Stands in for `lint_document`: records each text linted; the first lint waits for `release`."""

    def __init__(self, hold_first: bool) -> None:
        self.texts: list[str] = []
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.started = threading.Event()

    def __call__(self, path, text, buffers) -> LintedDocument:
        self.texts.append(text)
        self.started.set()
        self.release.wait(30)
        return LintedDocument(text)


@pytest.fixture
def ls(monkeypatch):
    server = lsp_server.DqnLintServer()
    list(server.protocol.lsp_initialize(types.InitializeParams(capabilities=types.ClientCapabilities())))
    server.workspace.put_text_document(types.TextDocumentItem(uri=URI, language_id="python", version=1, text="v1\n"))
    published: list[int | None] = []
    server.arrived = asyncio.Event()

    def publish(params: types.PublishDiagnosticsParams) -> None:
        published.append(params.version)
        server.arrived.set()

    monkeypatch.setattr(server, "text_document_publish_diagnostics", publish)
    server.published_versions = published
    yield server
    server.lint_executor.shutdown(wait=False, cancel_futures=True)


async def change(ls, version: int) -> None:
    """What the client's `didChange` does: the workspace takes the new text, then the handler runs."""
    identifier = types.VersionedTextDocumentIdentifier(uri=URI, version=version)
    ls.workspace.update_text_document(identifier, types.TextDocumentContentChangeWholeDocument(text=f"v{version}\n"))
    await lsp_server.did_change(ls, types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[]))


async def test_a_change_after_a_pause_is_linted_without_waiting_for_the_debounce(ls, monkeypatch):
    stub = StubLint(hold_first=False)
    monkeypatch.setattr(lsp_server, "lint_document", stub)
    monkeypatch.setattr(lsp_server, "DEBOUNCE_SECONDS", 3600)  # were it waited for, nothing would come
    await change(ls, 2)
    await asyncio.wait_for(ls.arrived.wait(), 20)
    assert stub.texts == ["v2\n"]
    assert ls.published_versions == [2]


async def test_changes_made_while_a_lint_runs_are_linted_once_at_their_latest_version(ls, monkeypatch):
    stub = StubLint(hold_first=True)
    monkeypatch.setattr(lsp_server, "lint_document", stub)
    monkeypatch.setattr(lsp_server, "DEBOUNCE_SECONDS", 0.01)
    await change(ls, 2)
    await asyncio.get_running_loop().run_in_executor(None, stub.started.wait, 20)  # the lint of v2 runs
    for version in range(3, 9):
        await change(ls, version)
        await asyncio.sleep(0.02)  # past the debounce: each one's lint is queued behind the held one
    stub.release.set()
    while 8 not in ls.published_versions:
        ls.arrived.clear()
        await asyncio.wait_for(ls.arrived.wait(), 20)
    assert stub.texts == ["v2\n", "v8\n"]  # v3..v7 were never linted on their own
    assert set(ls.published_versions) == {8}  # v2's result came when the document had moved on
