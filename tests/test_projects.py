"""Whole projects: the model follows values across the modules of a project (`tests/projects/*/`,
one folder a case; `# expect: CODE` in any of its files marks every line that must be flagged,
and nothing else may be), and a file named alone is analysed with the modules it imports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dqn_lint import project
from dqn_lint.discovery import SourceFile
from dqn_lint.linting import lint_sources
from dqn_lint.registry import all_rules
from expectations import expected_findings

PROJECTS = sorted(path for path in (Path(__file__).parent / "projects").iterdir() if path.is_dir())


def _lint(folder: Path, names: list[str] | None = None, cache=None):
    files = sorted(folder.glob("*.py")) if names is None else [folder / name for name in names]
    sources = [SourceFile(str(path), path.name, path.name) for path in files]
    rules = tuple(all_rules())
    return lint_sources(sources, lambda _source: rules, cache=cache)


def _expected(folder: Path) -> set[tuple[str, int, str]]:
    return {
        (path.name, row, code)
        for path in sorted(folder.glob("*.py"))
        for row, code in expected_findings(path.read_text(encoding="utf-8"))
    }


def test_the_project_cases_are_present():
    assert len(PROJECTS) >= 5


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_project_case_is_flagged_exactly_on_its_expect_lines(folder):
    findings = _lint(folder)
    assert {(f.filename, f.span.start.row, f.code) for f in findings} == _expected(folder)


def test_a_file_named_alone_is_analysed_with_the_modules_it_imports(monkeypatch):
    """pre-commit names `train.py` alone: its flag masks the target of `agent.py`, which it imports
    (a file read only as context is named relative to the working folder)."""
    folder = Path(__file__).parent / "projects" / "split_done_or"
    monkeypatch.chdir(folder)
    findings = _lint(folder, ["train.py"])
    assert [(f.filename, f.span.start.row, f.code) for f in findings] == [("train.py", 11, "DQN003")]
    (related,) = findings[0].related
    assert related.filename == "agent.py" and related.span.start.row == 23


def test_a_module_that_does_not_import_the_flag_s_origin_stays_silent():
    folder = Path(__file__).parent / "projects" / "split_done_or"
    assert _lint(folder, ["agent.py"]) == []


def test_the_cache_key_of_a_file_holds_the_modules_it_was_analysed_with(tmp_path):
    """Editing agent.py changes what train.py reports, though train.py's bytes did not change."""
    from dqn_lint.cache import ResultCache

    folder = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "projects" / "split_done_or", folder)
    cache = ResultCache(tmp_path / "cache", "fingerprint")
    assert {(f.filename, f.code) for f in _lint(folder, cache=cache)} == {("train.py", "DQN003")}
    agent = folder / "agent.py"
    agent.write_text(agent.read_text().replace(" * (1 - d)", ""))
    cache = ResultCache(tmp_path / "cache", "fingerprint")
    assert {(f.filename, f.code) for f in _lint(folder, cache=cache)} == {("agent.py", "DQN004")}


def test_reports_name_the_file_of_a_related_location(tmp_path, monkeypatch):
    from dqn_lint.reporters import github, json_format, sarif

    folder = Path(__file__).parent / "projects" / "split_done_or"
    monkeypatch.chdir(folder)
    (finding,) = _lint(folder, ["train.py"])
    record = json_format.finding_to_json(finding)
    assert record["filename"] == "train.py" and record["related"][0]["filename"] == "agent.py"
    log = sarif.sarif_log([finding], cwd=str(folder))
    (related,) = log["runs"][0]["results"][0]["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("agent.py")
    assert "%0Anote: agent.py:23:" in github.format_finding(finding)
    assert json.dumps(log)  # serialisable


# ---- the project layer: imports found in bytes, files found as Python would ---------------------------
def test_imported_modules_reads_every_import_form():
    source = b"""import os, agent as a
from replay_buffer import ReplayBuffer
from . import model, utils
from ..pkg.sub import (
    One,
    Two,
)
x = "not an import statement"
def f():
    import torch.nn as nn
"""
    found = project.imported_modules(source)
    assert (0, "os") in found and (0, "agent") in found and (0, "replay_buffer.ReplayBuffer") in found
    assert (1, "model") in found and (1, "utils") in found
    assert (2, "pkg.sub") in found and (2, "pkg.sub.One") in found and (2, "pkg.sub.Two") in found
    assert (0, "torch.nn") in found


def test_relative_and_folder_local_imports_resolve_to_the_project_s_files(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    package = tmp_path / "pkg"
    package.mkdir()
    for name in ("__init__.py", "agent.py", "model.py"):
        (package / name).write_text("")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "helpers.py").write_text("")
    files = project.ProjectFiles()
    assert files.resolve(package / "agent.py", 1, "model") == (package / "model.py", "pkg.model")
    assert files.resolve(tmp_path / "scripts" / "train.py", 0, "pkg.agent") == (package / "agent.py", "pkg.agent")
    assert files.resolve(tmp_path / "scripts" / "train.py", 0, "helpers") == (tmp_path / "scripts" / "helpers.py", "helpers")
    assert files.resolve(package / "agent.py", 0, "torch") is None
    assert files.resolve(package / "agent.py", 3, "x") is None  # above the project root
    assert project.module_of(package / "__init__.py", tmp_path) == project.Module(package / "__init__.py", "pkg", True)


def test_without_a_root_marker_the_working_directory_is_the_project_root(tmp_path, monkeypatch):
    """An unpacked archive: `python train.py` run in it finds `utils` from `agent/learner.py` there."""
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "learner.py").write_text("from utils import ReplayBuffer\n")
    (tmp_path / "utils.py").write_text("class ReplayBuffer:\n    pass\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)  # a folder the files are not in: each file's own folder is its root
    assert project.ProjectFiles().resolve(tmp_path / "agent" / "learner.py", 0, "utils") is None
    monkeypatch.chdir(tmp_path)
    found = project.ProjectFiles().resolve(tmp_path / "agent" / "learner.py", 0, "utils")
    assert found == (tmp_path / "utils.py", "utils")


def test_a_package_s_modules_import_it_from_the_folder_it_was_imported_from(tmp_path):
    """`nets/__init__.py` re-exports `from nets.iqn import IQN`: found beside `nets`, wherever the
    project root is."""
    nets = tmp_path / "case" / "nets"
    nets.mkdir(parents=True)
    (nets / "__init__.py").write_text("from nets.iqn import IQN\n")
    (nets / "iqn.py").write_text("")
    assert project.ProjectFiles().resolve(nets / "__init__.py", 0, "nets.iqn") == (nets / "iqn.py", "nets.iqn")


def test_a_namespace_package_is_found_in_the_folder_above_that_holds_it(tmp_path, monkeypatch):
    """CS285's layout, linted from above `hw3/`: `cs285` has no __init__.py and lives in hw3/."""
    critics = tmp_path / "hw3" / "cs285" / "critics"
    critics.mkdir(parents=True)
    (critics / "__init__.py").write_text("")
    (tmp_path / "hw3" / "cs285" / "infrastructure").mkdir()
    (tmp_path / "hw3" / "cs285" / "infrastructure" / "utils.py").write_text("")
    monkeypatch.chdir(tmp_path)
    found = project.ProjectFiles().resolve(critics / "dqn_critic.py", 0, "cs285.infrastructure.utils")
    assert found == (tmp_path / "hw3" / "cs285" / "infrastructure" / "utils.py", "cs285.infrastructure.utils")


def test_a_module_beside_the_importer_shadows_a_same_named_folder_above(tmp_path, monkeypatch):
    """`from DQN import DQN` in code/DQN/main.py imports the class from DQN.py, not a module
    `DQN.DQN` through the folder code/DQN."""
    folder = tmp_path / "code" / "DQN"
    folder.mkdir(parents=True)
    (folder / "DQN.py").write_text("class DQN:\n    pass\n")
    monkeypatch.chdir(tmp_path)
    files = project.ProjectFiles()
    assert files.resolve(folder / "main.py", 0, "DQN") == (folder / "DQN.py", "DQN")
    assert files.resolve(folder / "main.py", 0, "DQN.DQN") is None


def test_the_importers_of_a_seed_s_importers_join_its_group(tmp_path):
    """The critic holds the TD target, the agent calls it, the trainer calls the agent with the
    sampled batch: all three are one program."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "critic.py").write_text("import torch\ngamma = 0.99\n")
    (tmp_path / "agent.py").write_text("import critic\n")
    (tmp_path / "trainer.py").write_text("import agent\n")
    (tmp_path / "logger.py").write_text("")
    paths = [tmp_path / name for name in ("critic.py", "agent.py", "trainer.py", "logger.py")]
    sources = [path.read_bytes() for path in paths]
    groups, _modules = project.group_files(paths, sources, [True, False, False, False], lambda data: b"gamma" in data)
    assert [group.members for group in groups] == [[0, 1, 2]]


def test_a_module_reached_at_the_last_import_step_is_read_as_context(tmp_path):
    """Named files only (pre-commit): `nets/iqn.py`, reached through `nets/__init__.py`, is read."""
    from dqn_lint import linting

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "__init__.py").write_text("from nets.iqn import IQN\n")
    (tmp_path / "nets" / "iqn.py").write_text("class IQN:\n    pass\n")
    (tmp_path / "agent.py").write_text("import torch\nfrom nets import IQN\ngamma = 0.99\n")
    sources = [SourceFile(str(tmp_path / "agent.py"), "agent.py", "agent.py")]
    datas = [(tmp_path / "agent.py").read_bytes()]
    (work,) = linting._groups(sources, datas, [True], [tuple(all_rules())], None, [[]])
    assert {member.filename.rsplit("/", 1)[-1] for member in work.members} == {"agent.py", "__init__.py", "iqn.py"}


def test_the_package_s_own_users_of_a_seed_s_base_class_join_its_group_and_outside_scripts_do_not(tmp_path):
    """AINE-DRL's layout: `pkg/run/train.py` drives any `Agent`; `pkg/agents/dqn.py` holds the TD
    target in `class DQN(Agent)`; `samples/run.py` uses the framework from outside its package."""
    (tmp_path / "pyproject.toml").write_text("")
    for folder in ("pkg", "pkg/agents", "pkg/run", "samples"):
        (tmp_path / folder).mkdir()
    for folder in ("pkg", "pkg/agents", "pkg/run"):
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "pkg" / "base.py").write_text("class Agent:\n    pass\n")
    (tmp_path / "pkg" / "agents" / "dqn.py").write_text("from pkg.base import Agent\ngamma = 0.99\nclass DQN(Agent):\n    pass\n")
    (tmp_path / "pkg" / "run" / "train.py").write_text("from pkg.base import Agent\ndef run(agent: Agent):\n    agent.update(1)\n")
    (tmp_path / "pkg" / "sibling.py").write_text("from pkg.base import Agent\nclass PPO(Agent):\n    pass\n")
    (tmp_path / "samples" / "run.py").write_text("from pkg.base import Agent\nprint(Agent)\n")
    names = ("pkg/agents/dqn.py", "pkg/base.py", "pkg/run/train.py", "pkg/sibling.py", "samples/run.py")
    paths = [tmp_path / name for name in names]
    sources = [path.read_bytes() for path in paths]
    groups, _modules = project.group_files(paths, sources, [True, False, False, False, False], lambda data: b"gamma" in data)
    assert [group.members for group in groups] == [[0, 1, 2]]  # not the sibling agent, not the sample


def test_a_library_module_imported_everywhere_does_not_pull_its_importers_in(tmp_path):
    (tmp_path / "core.py").write_text("import torch\ngamma = 0.99\n")
    users = [tmp_path / f"user{number}.py" for number in range(project.MAX_IMPORTERS + 1)]
    for user in users:
        user.write_text("import core\n")
    paths = [tmp_path / "core.py", *users]
    sources = [path.read_bytes() for path in paths]
    groups, _modules = project.group_files(paths, sources, [True] + [False] * len(users), lambda data: b"gamma" in data)
    assert groups == []  # core alone: linted by itself, as before


# ---- the model: names imported from project modules ----------------------------------------------------------
def _index(files: dict[str, str]):
    import libcst

    from dqn_lint.model.source import SourceIndex, SourceUnit

    units = [SourceUnit(libcst.parse_module(text), name + ".py", name) for name, text in files.items()]
    return SourceIndex(units[0], tuple(units[1:])), units


def test_an_imported_name_refers_to_the_binding_in_its_module():
    import libcst as cst

    index, units = _index({"pkg.train": "from .agent import Agent as A\nA()\n", "pkg.agent": "class Agent:\n    pass\n"})
    use = units[0].module.body[1].body[0].value.func
    (binding,) = index.referents(use)
    assert isinstance(binding.node, cst.ClassDef) and index.filename(binding.node) == "pkg.agent.py"


def test_a_module_attribute_refers_to_the_module_s_binding():
    import libcst as cst

    index, units = _index({"train": "import agent\nagent.Agent()\n", "agent": "from model import Agent\n", "model": "class Agent:\n    pass\n"})
    call = units[0].module.body[1].body[0].value
    (binding,) = index.member_bindings(call.func)  # followed through agent's re-export
    assert isinstance(binding.node, cst.ClassDef) and index.filename(binding.node) == "model.py"


def test_a_star_import_of_a_project_module_refers_to_its_bindings():
    import libcst as cst

    index, units = _index({"train": "from utils import *\nWrapper()\n", "utils": "from wrappers import *\n",
                           "wrappers": "class Wrapper:\n    pass\n"})
    use = units[0].module.body[1].body[0].value.func
    (binding,) = index.referents(use)  # through `utils`' own star import
    assert isinstance(binding.node, cst.ClassDef) and index.filename(binding.node) == "wrappers.py"
    index, units = _index({"train": "import numpy\nfrom utils import *\nWrapper()\n", "utils": "class Wrapper:\n    pass\n"})
    use = units[0].module.body[2].body[0].value.func
    (binding,) = index.referents(use)
    assert isinstance(binding.node, cst.ClassDef) and index.filename(binding.node) == "utils.py"


def test_a_name_two_files_answer_to_links_to_neither():
    import libcst

    from dqn_lint.model.source import SourceIndex, SourceUnit

    importer = SourceUnit(libcst.parse_module("from utils import f\nf()\n"), "train.py", "train")
    first = SourceUnit(libcst.parse_module("def f(): pass\n"), "a/utils.py", "a.utils", import_names=("utils",))
    second = SourceUnit(libcst.parse_module("def f(): pass\n"), "b/utils.py", "b.utils", import_names=("utils",))
    index = SourceIndex(importer, (first, second))
    use = importer.module.body[1].body[0].value.func
    assert [binding.kind for binding in index.referents(use)] == ["import"]


def test_only_files_that_hold_dqn_training_code_are_analysed_with_their_project(tmp_path, monkeypatch):
    """A module that mentions torch and a gamma but holds no TD target and no env.step (a learning
    rate scheduler, say) is linted alone: its importers are never parsed for it."""
    import dqn_lint.engine as engine

    (tmp_path / "schedule.py").write_text("import torch\n\ndef decay(lr, gamma=0.9):\n    return lr * gamma\n")
    (tmp_path / "user.py").write_text("from schedule import decay\n\nprint(decay(0.1))\n")
    groups = []
    real = engine.lint_group
    monkeypatch.setattr(engine, "lint_group", lambda members, rules_of: groups.append(members) or real(members, rules_of))
    assert _lint(tmp_path) == [] and groups == []
    project_folder = Path(__file__).parent / "projects" / "split_done_or"
    _lint(project_folder)
    assert [sorted(member.filename for member in members) for members in groups] == [
        ["agent.py", "model.py", "replay_buffer.py", "train.py"]
    ]


def test_fix_reports_what_check_reports_on_the_fixed_project(tmp_path, monkeypatch, capsys):
    """Fixes are made file by file, but the findings left are judged with the whole project: the
    flag of train.py that masks agent.py's target is still reported after `--fix`."""
    from dqn_lint import cli

    folder = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "projects" / "split_done_or", folder)
    monkeypatch.chdir(folder)
    assert cli.main(["check", "--fix", "--no-cache", "--output-format", "concise", "."]) == 1
    assert "train.py:11:12: DQN003" in capsys.readouterr().out
    assert cli.main(["check", "--fix", "--unsafe-fixes", "--no-cache", "--output-format", "concise", "."]) == 0
    assert "agent.memory.push(obs, action, reward, next_obs, terminated)" in (folder / "train.py").read_text()


def test_a_positional_argument_is_bound_even_when_the_call_also_passes_double_star():
    """`make_agent(env, buffer, **params)`: `**params` cannot bind `replay_buffer` again, so the
    parameter holds `buffer`; after `*args` nothing can be told."""
    import libcst as cst

    from dqn_lint.model import build_model

    module = cst.parse_module(
        "def make_agent(env, replay_buffer, gamma=0.99):\n    return replay_buffer\n"
        "make_agent(env, buffer, **params)\n"
        "make_agent(*both)\n"
    )
    model = build_model(module)
    param = module.body[0].params.params[1]
    values = [model.code(ref.node) for ref in model.dataflow.parameter_values(param, ())]
    assert values == []  # one call site passes `*both`: the parameter's values are unknown
    module = cst.parse_module(
        "def make_agent(env, replay_buffer, gamma=0.99):\n    return replay_buffer\n"
        "make_agent(env, buffer, **params)\n"
    )
    model = build_model(module)
    param = module.body[0].params.params[1]
    assert [model.code(ref.node) for ref in model.dataflow.parameter_values(param, ())] == ["buffer"]
