"""`dqn-lint server` end to end: a real LSP client (pytest-lsp) talks to the server over stdio.

Each test starts the server in a workspace of its own (a temporary folder), opens documents, and
checks what an editor would show: diagnostics with the ranges and codes `check` reports, quick
fixes whose edits give what `check --fix` writes, the noqa action, hovers, a broken config and a
syntax error that must not stop the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parent.parent
TWINS = ROOT / "fixtures" / "twins"
REFERENCE = ROOT / "fixtures" / "reference_dqn.py"
TWIN = TWINS / "dqn004_missing_terminal_mask.py"
SERVER = [sys.executable, "-m", "dqn_lint", "server"]
WAIT = 60  # seconds: a cold server imports libcst and the rules before its first result


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'agent'\n")
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env={**os.environ, "PYTHONPATH": str(ROOT)}))
async def client(lsp_client: LanguageClient, workspace: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="agent")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def check_json(workspace: Path, *args: str) -> list[dict]:
    """What `dqn-lint check` reports in the workspace, as JSON records."""
    result = subprocess.run(
        [sys.executable, "-m", "dqn_lint", "check", "--no-cache", "--output-format", "json", *args],
        cwd=workspace, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


async def open_document(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=path.read_text() if text is None else text)
        )
    )
    return uri


async def diagnostics_for(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The diagnostics published for `uri` since they were last taken (waiting for them)."""

    async def wait() -> list[types.Diagnostic]:
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics.pop(uri))

    return await asyncio.wait_for(wait(), WAIT)


async def open_twin(client: LanguageClient, workspace: Path) -> tuple[str, str]:
    """The DQN004 twin as `train.py` of the workspace, opened: its uri and text."""
    path = workspace / "train.py"
    shutil.copy(TWIN, path)
    return await open_document(client, path), path.read_text()


def written_by_check_fix(workspace: Path, *options: str) -> str:
    """What `dqn-lint check --fix` writes into a copy of the twin, in a folder of the workspace."""
    folder = workspace / "written"
    folder.mkdir()
    shutil.copy(TWIN, folder / "train.py")
    subprocess.run([sys.executable, "-m", "dqn_lint", "check", "--no-cache", "--fix", *options, "train.py"],
                   cwd=folder, capture_output=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return (folder / "train.py").read_text()


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (positions in UTF-16 units, ASCII here) to `text`, last first."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return starts[min(position.line, len(lines))] + position.character

    for edit in sorted(edits, key=lambda edit: (edit.range.start.line, edit.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def change_whole(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


@pytest.mark.asyncio
async def test_a_twin_gets_the_diagnostics_check_reports(client: LanguageClient, workspace: Path):
    uri, text = await open_twin(client, workspace)
    diagnostics = await diagnostics_for(client, uri)
    expected = check_json(workspace, "train.py")
    assert expected, "the twin must have findings"
    got = sorted((d.code, d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1, d.range.end.character + 1) for d in diagnostics)
    want = sorted(
        (r["code"], r["location"]["row"], r["location"]["column"], r["end_location"]["row"], r["end_location"]["column"]) for r in expected
    )
    assert got == want
    first = next(d for d in diagnostics if d.code == "DQN004")
    assert first.source == "dqn-lint" and first.severity == types.DiagnosticSeverity.Error
    assert first.code_description is not None and first.code_description.href.endswith("/docs/rules/DQN004.md")


@pytest.mark.asyncio
async def test_changing_the_twin_into_the_reference_clears_its_diagnostics(client: LanguageClient, workspace: Path):
    uri, text = await open_twin(client, workspace)
    assert await diagnostics_for(client, uri)
    change_whole(client, uri, REFERENCE.read_text(), version=2)
    assert await diagnostics_for(client, uri) == []


@pytest.mark.asyncio
async def test_the_quick_fix_gives_what_check_fix_writes(client: LanguageClient, workspace: Path):
    uri, text = await open_twin(client, workspace)
    [diagnostic] = [d for d in await diagnostics_for(client, uri) if d.code == "DQN004"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]),
        )
    )
    fixes = [action for action in actions or [] if action.title.startswith("DQN004:")]
    assert len(fixes) == 1 and fixes[0].kind == types.CodeActionKind.QuickFix
    assert fixes[0].title.endswith("(unsafe fix: review it, it changes training)") and not fixes[0].is_preferred
    fixed = apply_edits(text, fixes[0].edit.changes[uri])
    assert fixed == written_by_check_fix(workspace, "--unsafe-fixes", "--select", "DQN004")
    (workspace / "fixed.py").write_text(fixed)
    assert not [r for r in check_json(workspace, "fixed.py") if r["code"] == "DQN004"]


@pytest.mark.asyncio
async def test_fix_all_equals_check_fix_and_the_noqa_action_silences_the_line(client: LanguageClient, workspace: Path):
    (workspace / "pyproject.toml").write_text("[tool.dqn-lint]\nunsafe-fixes = true\n")
    uri, text = await open_twin(client, workspace)
    diagnostics = await diagnostics_for(client, uri)
    everything = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(text.splitlines()), character=0))
    [fix_all] = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=everything,
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
        )
    )
    assert fix_all.kind == "source.fixAll.dqn-lint"
    assert apply_edits(text, fix_all.edit.changes[uri]) == written_by_check_fix(workspace)

    [diagnostic] = [d for d in diagnostics if d.code == "DQN004"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    [disable] = [action for action in actions if action.title == "Disable DQN004 for this line"]
    silenced = apply_edits(text, disable.edit.changes[uri])
    assert "# noqa: DQN004" in silenced
    (workspace / "silenced.py").write_text(silenced)
    assert not [r for r in check_json(workspace, "silenced.py") if r["code"] == "DQN004"]


@pytest.mark.asyncio
async def test_hover_on_a_finding_shows_its_rule_page(client: LanguageClient, workspace: Path):
    uri, text = await open_twin(client, workspace)
    [diagnostic] = [d for d in await diagnostics_for(client, uri) if d.code == "DQN004"]
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=diagnostic.range.start)
    )
    assert result is not None and result.contents.kind == types.MarkupKind.Markdown
    assert result.contents.value.startswith("**DQN004** (missing-terminal-mask)")
    assert "## Why is this bad?" in result.contents.value and "## Use instead" in result.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0))
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_a_broken_config_is_one_error_message_and_the_server_goes_on(client: LanguageClient, workspace: Path):
    (workspace / "pyproject.toml").write_text("[tool.dqn-lint]\nselect = 'DQN004\n")  # an unclosed string
    uri, text = await open_twin(client, workspace)
    diagnostics = await diagnostics_for(client, uri)
    assert any(d.code == "DQN004" for d in diagnostics)  # linted with the defaults meanwhile
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and "pyproject.toml" in errors[0].message
    change_whole(client, uri, text + "\n", version=2)
    assert any(d.code == "DQN004" for d in await diagnostics_for(client, uri))
    assert len([m for m in client.messages if m.type == types.MessageType.Error]) == 1  # not again


@pytest.mark.asyncio
async def test_a_syntax_error_clears_the_diagnostics_and_the_server_goes_on(client: LanguageClient, workspace: Path):
    uri, text = await open_twin(client, workspace)
    assert await diagnostics_for(client, uri)
    change_whole(client, uri, text + "\ndef broken(:\n", version=2)
    assert await diagnostics_for(client, uri) == []
    change_whole(client, uri, text, version=3)
    assert any(d.code == "DQN004" for d in await diagnostics_for(client, uri))


@pytest.mark.asyncio
async def test_the_project_around_the_file_is_analysed_with_the_unsaved_buffers(client: LanguageClient, workspace: Path):
    """The flag made in train.py is stored through replay_buffer.py and masks the target in
    agent.py: found through the project, as `check` finds it, and gone once the unsaved buffer
    of train.py stores `terminated` instead."""
    for path in (ROOT / "tests" / "projects" / "split_done_or").glob("*.py"):
        shutil.copy(path, workspace / path.name)
    train = workspace / "train.py"
    text = train.read_text()
    assert any(r["code"] == "DQN003" for r in check_json(workspace, "train.py"))
    uri = await open_document(client, train)
    assert any(d.code == "DQN003" for d in await diagnostics_for(client, uri))
    stores_terminated = text.replace("agent.memory.push(obs, action, reward, next_obs, done)", "agent.memory.push(obs, action, reward, next_obs, terminated)")
    assert stores_terminated != text
    change_whole(client, uri, stores_terminated, version=2)
    assert not any(d.code == "DQN003" for d in await diagnostics_for(client, uri))
    assert train.read_text() == text  # nothing was written


@pytest.mark.asyncio
async def test_saving_a_module_lints_the_open_files_that_import_it_again(client: LanguageClient, workspace: Path):
    """agent.py's buffer stops masking the target with the stored flag: once it is saved,
    train.py's truncation finding goes (its flag masks nothing now) and agent.py has the missing mask."""
    for path in (ROOT / "tests" / "projects" / "split_done_or").glob("*.py"):
        shutil.copy(path, workspace / path.name)
    train_uri = await open_document(client, workspace / "train.py")
    assert any(d.code == "DQN003" for d in await diagnostics_for(client, train_uri))
    agent = workspace / "agent.py"
    agent_uri = await open_document(client, agent)
    assert not await diagnostics_for(client, agent_uri)
    unmasked = agent.read_text().replace(" * (1 - d)", "")
    change_whole(client, agent_uri, unmasked, version=2)
    assert any(d.code == "DQN004" for d in await diagnostics_for(client, agent_uri))
    agent.write_text(unmasked)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=agent_uri)))
    assert not any(d.code == "DQN003" for d in await diagnostics_for(client, train_uri))


def test_the_server_never_imports_torch(tmp_path: Path):
    """Linting, code actions and hovers on a twin, in a fresh interpreter: no torch, gymnasium or numpy."""
    shutil.copy(TWIN, tmp_path / "train.py")
    script = f"""
import sys
from pathlib import Path
from dqn_lint.lsp import actions
from dqn_lint.lsp.documents import lint_document
from dqn_lint.lsp.positions import Locator
from dqn_lint.diagnostics import Position
path = {str(tmp_path / 'train.py')!r}
text = Path(path).read_text()
linted = lint_document(path, text, {{}})
assert linted.findings
locator = Locator(text, len)
actions.diagnostics(linted, locator, lambda p: None)
finding = linted.findings[0]
actions.code_actions("file://" + path, linted, locator, finding.span.start, finding.span.end, None)
actions.hover(linted, locator, finding.span.start)
heavy = sorted(name for name in ("torch", "gymnasium", "numpy") if name in sys.modules)
print(heavy)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
