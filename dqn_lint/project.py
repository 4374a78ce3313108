"""Which files are analysed together: a project's modules, found through their imports.

A DQN project splits `model.py`, `replay_buffer.py`, `agent.py` and `train.py`; the flag made in
one masks the target in another, so a file is analysed with the project modules around it:

- every *seed* (in a run over files, a file whose own analysis found DQN training code, see
  `engine.FileFacts`) brings the project modules it imports, transitively up to
  `MAX_IMPORT_DEPTH` steps;
- in a run over several files, the linted files that import a seed join it with the modules they
  import directly (the training loop that stores the flag into the agent's buffer); a file named
  alone that imports a seed is analysed with it;
- a seed's class that derives from a class of another project module (`class DoubleDQN(Agent)`)
  is driven by the code written against that base: the linted files of the base's own package
  that import its module and use the base without deriving from it (a framework's trainer,
  `agent.update(exp)` typed `agent: Agent`; not the other agents, not the scripts outside the
  package) join the seed's group with the modules they import directly;
- groups that share a file are one group. A group larger than `MAX_GROUP_FILES` is a library's
  (torch, where everything imports everything), not a training project's: its files are linted
  alone, as single files.

Imports are read from the bytes, not parsed: `find` locates each `import` and only its line is
matched, so a tree of 46 MB is scanned in a tenth of a second. A module is found where Python
would find it when the project is run from its root or from the importing file's folder (the
folder of a script is on `sys.path`), and in `src/`. What is not found (third-party packages, the
standard library) stays opaque: the model never follows it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

MAX_IMPORT_DEPTH = 2
MAX_GROUP_FILES = 40
# A module imported by more linted files than this is a library's: its importers are not followed.
MAX_IMPORTERS = 8
# Files larger than this are never pulled in as context (generated code, data tables).
MAX_CONTEXT_BYTES = 512 * 1024
_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_LINE = re.compile(
    rb"[ \t]*(?:from[ \t]+(?P<module>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]*)"
    rb"|import[ \t]+(?P<modules>[^\n#;]+))"
)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*\Z")
_CLASS_WITH_BASES = re.compile(rb"^[ \t]*class[ \t]+\w+[ \t]*\(([^)]*)\)", re.MULTILINE)


class Module(NamedTuple):
    """A file of the project as the model sees it: its path, dotted name and the other names it
    is imported by (a script's folder-local `import agent` and the package's `pkg.agent`)."""

    path: Path
    name: str | None
    is_package: bool
    import_names: tuple[str, ...] = ()


def project_root(folder: Path) -> Path:
    """The nearest folder at or above `folder` with a pyproject.toml, setup.py, setup.cfg or .git.

    Without one (an unpacked archive, a folder of scripts), the working directory when `folder`
    lies inside it: `python train.py` run there finds `utils` from `agent/snake_agent.py` in it;
    else `folder` itself."""
    return _project_root(folder, Path.cwd())


@functools.lru_cache(maxsize=1024)
def _project_root(folder: Path, cwd: Path) -> Path:
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in _ROOT_MARKERS):
            return candidate
    if folder.is_relative_to(cwd):
        return cwd
    return folder


def module_of(path: Path, root: Path) -> Module:
    """The dotted name of a file below `root` (`pkg/agent.py` -> `pkg.agent`)."""
    try:
        parts = list(path.relative_to(root).parts)
    except ValueError:
        return Module(path, None, False)
    is_package = parts[-1] == "__init__.py"
    parts[-1] = parts[-1].removesuffix(".py")
    if is_package:
        parts.pop()
    if not parts or not all(_IDENTIFIER.match(part) for part in parts):
        return Module(path, None, is_package)
    return Module(path, ".".join(parts), is_package)


def imported_modules(source: bytes) -> list[tuple[int, str]]:
    """(level, dotted name) of every module an import statement may load: for `from a import b`
    both `a` and the submodule `a.b`; `level` counts the leading dots of a relative import."""
    found: list[tuple[int, str]] = []
    start = source.find(b"import")
    while start != -1:
        line_start = source.rfind(b"\n", 0, start) + 1
        match = _LINE.match(source, line_start)
        if match is not None and match.start() == line_start:
            found.extend(_modules_of(match))
        start = source.find(b"import", start + 6)
    return list(dict.fromkeys(found))


def _modules_of(match: re.Match) -> Iterable[tuple[int, str]]:
    if match.group("modules") is not None:
        for item in match.group("modules").split(b","):
            name = item.strip().split()[0].decode("ascii", "replace") if item.strip() else ""
            if name:
                yield 0, name
        return
    spec = match.group("module").decode("ascii", "replace")
    level = len(spec) - len(spec.lstrip("."))
    base = spec[level:]
    if base:
        yield level, base
    for item in match.group("names").strip(b"()").split(b","):
        words = item.split()
        if words and words[0] != b"*":
            name = words[0].decode("ascii", "replace")
            yield level, f"{base}.{name}" if base else name


class ProjectFiles:
    """Resolves imports to files, with memoised file-system look-ups (plain strings, not pathlib:
    a tree of 2,500 files makes 50,000 look-ups)."""

    def __init__(self) -> None:
        self._found: dict[str, str | None] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._resolved: dict[tuple[str, int, str], tuple[Path, str] | None] = {}

    def imported_files(self, path: Path, source: bytes, wanted: frozenset[str] | None = None) -> list[tuple[Path, str]]:
        """The project files `path` (with bytes `source`) imports, and the names it imports them
        by; with `wanted`, only modules whose last name is in it."""
        found = []
        for level, name in imported_modules(source):
            if wanted is not None and name.rpartition(".")[2] not in wanted:
                continue
            target = self.resolve(path, level, name)
            if target is not None and target[0] != path:
                found.append(target)
        return found

    def resolve(self, importer: Path, level: int, name: str) -> tuple[Path, str] | None:
        """The file a module name imported by `importer` loads, and the name it was imported by
        (absolute for a relative import); None outside the project."""
        folder = os.path.dirname(str(importer))
        key = (folder, level, name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(folder, level, name)
        return self._resolved[key]

    def _resolve(self, folder: str, level: int, name: str) -> tuple[Path, str] | None:
        root = str(project_root(Path(folder)))
        if level:
            base = folder
            for _ in range(level - 1):
                if base == root:
                    return None
                base = os.path.dirname(base)
            found = self._file(base, name)
            if found is None:
                return None
            module = module_of(Path(found), Path(root))
            return (Path(found), module.name) if module.name else None
        near = tuple(dict.fromkeys((folder, root, os.path.join(root, "src"), self._package_base(folder))))
        for base in near:
            found = self._file(base, name)
            if found is not None:
                return Path(found), name
        top = name.partition(".")[0]
        if "." in name and not any(self._file(base, top) for base in near):
            # `cs285.agents.dqn_agent` from hw3/cs285/critics/, linted from above hw3/: the folder
            # that holds the top package `cs285` (a namespace package needs no __init__.py); not
            # when `cs285` is found nearer, as `DQN.py` beside `main.py` makes `DQN.DQN` a class
            base = folder
            while base.startswith(root) and base != root:
                if top in self._listing(base):
                    found = self._file(base, name)
                    if found is not None:
                        return Path(found), name
                base = os.path.dirname(base)
        return None

    def _package_base(self, folder: str) -> str:
        """The folder a package was imported from (the parent of its outermost `__init__.py`
        folder): a module of package `nets` importing `nets.iqn` found it there."""
        base = folder
        while "__init__.py" in self._listing(base) and os.path.dirname(base) != base:
            base = os.path.dirname(base)
        return base

    def _file(self, base: str, dotted: str) -> str | None:
        parts = dotted.split(".")
        folder = os.path.join(base, *parts[:-1])
        last = parts[-1]
        names = self._listing(folder)
        if last + ".py" in names:
            candidate = os.path.join(folder, last + ".py")
        elif last in names and "__init__.py" in self._listing(os.path.join(folder, last)):
            candidate = os.path.join(folder, last, "__init__.py")
        else:
            return None
        known = self._found.get(candidate, False)
        if known is False:
            try:
                known = candidate if os.path.isfile(candidate) and os.path.getsize(candidate) <= MAX_CONTEXT_BYTES else None
            except OSError:
                known = None
            self._found[candidate] = known
        return known

    def _listing(self, folder: str) -> frozenset[str]:
        """A folder's entries, listed once (most look-ups miss: `torch.nn` from every folder)."""
        known = self._listings.get(folder)
        if known is None:
            try:
                known = frozenset(os.listdir(folder))
            except OSError:
                known = frozenset()
            self._listings[folder] = known
        return known


class Grouping(NamedTuple):
    """The groups of a run: each lists indices of linted files and the other files it reads."""

    members: list[int]
    context: list[Path]


def group_files(
    paths: Sequence[Path],
    sources: Sequence[bytes | None],
    seeds: Sequence[bool],
    is_seed: Callable[[bytes], bool],
    read: Callable[[Path], bytes] = Path.read_bytes,
) -> tuple[list[Grouping], dict[Path, Module]]:
    """Groups of linted files to analyse together, and the module of each file in a group.

    `paths[i]` is a linted file, `sources[i]` its bytes (None when unreadable), `seeds[i]` whether
    it may hold a TD target; `is_seed` tells that of a file read as context. Files in no group
    are linted alone, as before.
    """
    files = ProjectFiles()
    resolved = [resolved_path(path) for path in paths]
    index_of = {path: index for index, path in enumerate(resolved)}
    imports: dict[Path, list[tuple[Path, str]]] = {}
    cache: dict[Path, bytes | None] = {path: source for path, source in zip(resolved, sources)}

    def source_of(path: Path) -> bytes | None:
        if path not in cache:
            try:
                cache[path] = read(path)
            except OSError:
                cache[path] = None
        return cache[path]

    def imports_of(path: Path) -> list[tuple[Path, str]]:
        known = imports.get(path)
        if known is None:
            known = imports[path] = resolve_all(path, source_of(path), None)
        return known

    def resolve_all(path: Path, data: bytes | None, wanted: frozenset[str] | None) -> list[tuple[Path, str]]:
        """The project files `path` imports; with `wanted`, only modules whose last name is in it."""
        return files.imported_files(path, data, wanted) if data is not None else []

    def closure(start: Path, depth: int) -> list[Path]:
        """`start` and the project modules it imports, `depth` steps deep. A package's
        `__init__.py` costs no step: `from pkg.model import IQN` means the module that defines
        `IQN`, which the package only re-exports."""
        seen = {start: None}
        frontier = [start]
        for _ in range(depth):
            step = [target for path in frontier for target, _name in imports_of(path) if target not in seen]
            frontier = []
            while step:
                for target in step:
                    if target not in seen:
                        seen[target] = None
                        frontier.append(target)
                step = [
                    target
                    for package in step
                    if package.name == "__init__.py"
                    for target, _name in imports_of(package)
                    if target not in seen
                ]
        return list(seen)

    seed_paths = [path for path, seed, source in zip(resolved, seeds, sources) if seed and source is not None]

    def importers_of(modules: Iterable[Path]) -> dict[Path, list[Path]]:
        """Who imports these modules: only imports whose last name is one of theirs are resolved."""
        wanted = frozenset(_module_stem(path) for path in modules)
        found: dict[Path, list[Path]] = {}
        for path, source in zip(resolved, sources):
            if source is not None and b"import" in source:
                if path.name == "__init__.py" and len(paths) > 1:
                    continue  # a package's re-exports call nothing; what imports through it is followed
                for target, _name in resolve_all(path, source, wanted if len(paths) > 1 else None):
                    found.setdefault(target, []).append(path)
        return found

    importers = importers_of(seed_paths)
    # a linted file that imports a module of the project holding a TD target is analysed with it
    # (pre-commit names `train.py` alone; the target is in `agent.py`)
    if len(paths) == 1 and sources[0] is not None:
        for target in importers:
            if target not in index_of:
                data = source_of(target)
                if data is not None and is_seed(data):
                    seed_paths.append(target)
    if not seed_paths:
        return [], {}

    parent: dict[Path, Path] = {}

    def find(path: Path) -> Path:
        while parent.get(path, path) != path:
            path = parent[path]
        return path

    def union(paths_in: Iterable[Path]) -> None:
        paths_in = list(paths_in)
        for path in paths_in:
            parent.setdefault(path, path)
        first = find(paths_in[0])
        for path in paths_in[1:]:
            root = find(path)
            if root != first:
                parent[root] = first

    # the importers of the seeds' importers: the trainer that calls `agent.train(batch)`, which
    # calls the critic's update holding the TD target
    users_of_users = importers_of({user for users in importers.values() for user in users}) if len(paths) > 1 else {}

    def base_modules(seed: Path) -> dict[Path, list[str]]:
        """The project modules the seed imports (or that a package it imports re-exports) that
        define a base class of one of its classes, with those class names."""
        bases = _class_bases(source_of(seed) or b"")
        found: dict[Path, list[str]] = {}
        for target, _name in imports_of(seed):
            candidates = [target] + ([inner for inner, _ in imports_of(target)] if target.name == "__init__.py" else [])
            for candidate in candidates:
                data = source_of(candidate)
                defined = [base for base in bases if data is not None and _defines_class(data, base)]
                if defined:
                    found.setdefault(candidate, defined)
                    if candidate != target:
                        found.setdefault(target, defined)  # imported through the package
        return found

    def base_users(seed: Path) -> list[Path]:
        """The linted files of the base's own package written against a base class of the
        seed's classes, not deriving from it (the framework's trainer, not the scripts that use
        the framework)."""
        modules = base_modules(seed)
        if not modules:
            return []
        names = {base for defined in modules.values() for base in defined}
        users = []
        for module, importing in importers_of(modules).items():
            if module not in modules:
                continue
            package = _outermost_package(module.parent)
            for user in importing:
                data = source_of(user)
                if user in modules or user == seed or user.name == "__init__.py" or data is None:
                    continue
                if not user.is_relative_to(package):
                    continue
                if any(name.encode() in data for name in names) and names.isdisjoint(_class_bases(data)):
                    users.append(user)
        return list(dict.fromkeys(users))

    for seed in seed_paths:
        neighbourhood = closure(seed, MAX_IMPORT_DEPTH)
        driving = base_users(seed) if len(paths) > 1 else []
        if len(driving) <= MAX_IMPORTERS:
            for user in driving:
                neighbourhood.extend(closure(user, 1))
        users = importers.get(seed, [])
        if len(users) <= MAX_IMPORTERS:
            for user in users:  # the training loop, with what it hands to the seed's code
                neighbourhood.extend(closure(user, MAX_IMPORT_DEPTH))
                callers = users_of_users.get(user, [])
                if len(callers) <= MAX_IMPORTERS:
                    for caller in callers:
                        neighbourhood.extend(closure(caller, 1))
        union(neighbourhood)

    components: dict[Path, list[Path]] = {}
    for path in parent:
        components.setdefault(find(path), []).append(path)
    groups: list[list[Path]] = []
    for component in components.values():
        if len(component) <= MAX_GROUP_FILES:
            groups.append(component)
        # else a library (torch: everything imports everything): its files are linted alone

    claimed: set[int] = set()
    result: list[Grouping] = []
    modules: dict[Path, Module] = {}
    spellings: dict[Path, set[str]] = {}
    for targets in imports.values():
        for target, name in targets:
            spellings.setdefault(target, set()).add(name)
    for group in groups:
        members = sorted(index_of[path] for path in group if path in index_of and index_of[path] not in claimed)
        if not members or len(group) == 1:
            continue
        claimed.update(members)
        context = sorted(path for path in group if path not in index_of)
        result.append(Grouping(members, context))
        for path in group:
            if path not in modules:
                module = module_of(path, project_root(path.parent))
                modules[path] = module._replace(import_names=tuple(sorted(spellings.get(path, set()) - {module.name})))
    return result, modules


def _outermost_package(folder: Path) -> Path:
    """The top folder of the package `folder` is part of (`folder` itself outside any package)."""
    top = folder
    while (top / "__init__.py").is_file() and (top.parent / "__init__.py").is_file():
        top = top.parent
    return top


def _class_bases(source: bytes) -> list[str]:
    """The last names of the bases of the classes a file defines (`Agent` of `base.Agent`)."""
    names: list[str] = []
    for match in _CLASS_WITH_BASES.finditer(source):
        for item in match.group(1).split(b","):
            word = item.split(b"[")[0].strip().rpartition(b".")[2].decode("ascii", "replace")
            if b"=" not in item and _IDENTIFIER.match(word) and word not in ("object", "ABC", "Generic", "Protocol"):
                names.append(word)
    return list(dict.fromkeys(names))


def _defines_class(source: bytes, name: str) -> bool:
    return re.search(rb"^[ \t]*class[ \t]+" + re.escape(name.encode()) + rb"\b", source, re.MULTILINE) is not None



def _module_stem(path: Path) -> str:
    return path.parent.name if path.name == "__init__.py" else path.stem


def resolved_path(path: Path) -> Path:
    """The real path; a symlink loop stays as it is (its file is reported unreadable elsewhere)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
