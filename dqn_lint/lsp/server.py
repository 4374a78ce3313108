"""The language server: documents in, diagnostics, code actions and hovers out.

Linting runs on one worker thread, off the protocol's event loop, so the server keeps answering
while a file is analysed. A change made while nothing is being linted or waiting to be is linted
at once: an edit after a pause shows its findings as soon as they are computed. A change made
while a lint runs or waits is linted after a short pause (`DEBOUNCE_SECONDS`), and a lint takes
the document as it is when its turn comes: a burst of typing is linted once, at its latest
version, never keystroke by keystroke. Opening and saving lint at once. A saved file can change the
findings of the other open files of its project (the flag stored in `replay_buffer.py` masks the
target in `agent.py`), so a save re-lints every open document. Results are published only for
the version of the document they were computed on.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

import dqn_lint
from dqn_lint.lsp import actions
from dqn_lint.lsp.documents import LintedDocument, lint_document, text_bytes
from dqn_lint.lsp.positions import Locator

DEBOUNCE_SECONDS = 0.05
logger = logging.getLogger(__name__)


class DqnLintServer(LanguageServer):
    """pygls' server with what dqn-lint keeps per document: the last result and pending lints."""

    def __init__(self) -> None:
        super().__init__("dqn-lint", dqn_lint.__version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.results: dict[str, tuple[int | None, LintedDocument]] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.published: dict[str, int | None] = {}  # the version whose diagnostics the client has
        self.stale: dict[str, bool] = {}  # documents to lint again though unchanged (a save elsewhere)
        self.shown_config_errors: set[str] = set()
        self.warm = False
        self.linting = 0  # lints handed to the lint thread and not finished yet
        self.lint_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dqn-lint")

    # --- linting -------------------------------------------------------------------------------

    def path_of(self, uri: str) -> str | None:
        document = self.workspace.get_text_document(uri)
        return document.path if uri.startswith("file:") else None

    def buffers(self) -> dict[Path, bytes]:
        """Every open document's text, by resolved path: the project as the editor shows it."""
        from dqn_lint.project import resolved_path

        return {
            resolved_path(Path(document.path)): text_bytes(document.source)
            for uri, document in self.workspace.text_documents.items()
            if uri.startswith("file:")
        }

    def locator(self, text: str) -> Locator:
        return Locator(text, self.workspace.position_codec.client_num_units)

    def locator_of(self, path: str) -> Locator | None:
        """Positions in another file of the project: its open buffer, else the file on disk."""
        from pygls.uris import from_fs_path

        uri = from_fs_path(path)
        if uri in self.workspace.text_documents:
            return self.locator(self.workspace.get_text_document(uri).source)
        from dqn_lint.sources import decode_source, read_source

        source = read_source(Path(path), path)
        if not isinstance(source, bytes):
            return None
        try:
            return self.locator(decode_source(source))
        except (UnicodeDecodeError, SyntaxError, LookupError):
            return None

    def schedule(self, uri: str, delay: float) -> None:
        """Lint `uri` after `delay` seconds, replacing a lint not started yet."""
        loop = asyncio.get_running_loop()
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = loop.call_later(delay, lambda: loop.create_task(self.lint_and_publish(uri)))

    def change_delay(self) -> float:
        """How long a change waits before it is linted: not at all when the lint thread is idle and
        no lint waits, else the debounce, so that the changes of a burst are linted together."""
        return 0.0 if not self.linting and not self.pending else DEBOUNCE_SECONDS

    async def lint_and_publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        loop = asyncio.get_running_loop()
        self.linting += 1
        try:
            outcome = await loop.run_in_executor(self.lint_executor, self.lint_latest, uri)
        except Exception as error:  # a bug of ours: say so, keep serving
            logger.exception("linting %s failed", uri)
            self.show_error(f"dqn-lint could not check {uri}: {type(error).__name__}: {error}")
            return
        finally:
            self.linting -= 1
        if outcome is None:
            return
        version, linted = outcome
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # closed, or changed meanwhile: a newer lint is scheduled
        if linted.config_error is not None and linted.config_error not in self.shown_config_errors:
            self.shown_config_errors.add(linted.config_error)
            self.show_error(f"dqn-lint: {linted.config_error}; using the default settings until it is fixed")
        # each other file a related location points into is read once per publication
        diagnostics = actions.diagnostics(linted, self.locator(linted.text), functools.cache(self.locator_of))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))
        self.published[uri] = version

    def lint_latest(self, uri: str) -> tuple[int | None, LintedDocument] | None:
        """On the lint thread: the document as it is when its turn comes (changes that arrived
        while another lint ran are linted once, at their latest version)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        version, text = document.version, document.source
        stale = self.stale.pop(uri, False)
        if not stale and uri in self.published and self.published[uri] == version:
            return None  # this version's diagnostics are out already
        known = self.results.get(uri)
        if stale or known is None or known[0] != version or known[1].text != text:
            known = (version, lint_document(self.path_of(uri), text, self.buffers()))
            self.results[uri] = known
            if not self.warm:
                # what the first lint imported (libcst, the rules) lives as long as the server: the
                # collector no longer walks it, which took a quarter of a warm lint's time
                gc.freeze()
                self.warm = True
        return version, known[1]

    def current(self, uri: str) -> LintedDocument | None:
        """The result for the document as it is now: the last one when still current, else a new
        lint (a code action asked for before the debounced lint ran)."""
        if uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        known = self.results.get(uri)
        if known is not None and known[0] == document.version and known[1].text == document.source:
            return known[1]
        linted = lint_document(self.path_of(uri), document.source, self.buffers())
        self.results[uri] = (document.version, linted)
        return linted

    def relint_all(self, delay: float) -> None:
        """Lint every open document again: a file they import may have changed."""
        for uri in list(self.workspace.text_documents):
            self.stale[uri] = True
            self.schedule(uri, delay)

    def show_error(self, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))


server = DqnLintServer()


@server.feature(types.INITIALIZE)
def initialize(ls: DqnLintServer, params: types.InitializeParams) -> None:
    """Run from the workspace root: the configuration found from it applies to files outside any
    project with a config of its own, as for `check` run there."""
    root = ls.workspace.root_path
    if root and os.path.isdir(root):
        os.chdir(root)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: DqnLintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: DqnLintServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, ls.change_delay())


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: DqnLintServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.relint_all(0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: DqnLintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls.pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.results.pop(uri, None)
    ls.published.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: DqnLintServer, params: types.DidChangeWatchedFilesParams) -> None:
    """A config file or a project module changed on disk: the open documents are linted again."""
    ls.relint_all(DEBOUNCE_SECONDS)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=False),
)
def code_action(ls: DqnLintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    linted = ls.current(uri)
    if linted is None:
        return None
    locator = ls.locator(linted.text)
    start, end = locator.ours(params.range.start), locator.ours(params.range.end)
    return actions.code_actions(uri, linted, locator, start, end, params.context.only) or None


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: DqnLintServer, params: types.HoverParams) -> types.Hover | None:
    linted = ls.current(params.text_document.uri)
    if linted is None:
        return None
    locator = ls.locator(linted.text)
    return actions.hover(linted, locator, locator.ours(params.position))


def serve() -> int:
    """`dqn-lint server`: speak LSP on stdin and stdout until the client says exit."""
    from dqn_lint import parsing

    parsing.use_reparsing()  # an edit reparses the statements it touched, not the whole file
    server.start_io()
    return 0

