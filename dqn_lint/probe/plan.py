"""From findings to the expressions `dqn-lint probe` watches in the user's code.

A finding names its site by span; the rule's `RuntimeProbe` says which expression of it to watch
(the flagged one, its related location, the callee or the receiver of the flagged call). The
expression is found in the file's libcst tree by its exact span; a site that is not such an
expression is reported as not probed, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import libcst as cst

from dqn_lint.diagnostics import Finding, Span
from dqn_lint.experiment import ProbeSite, RuntimeProbe


@dataclass(frozen=True)
class Site:
    """One expression to wrap: in `path`, from `start` to `end` (1-based rows and columns)."""

    id: int
    path: str
    start: tuple[int, int]
    end: tuple[int, int]
    observation: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Planned:
    """A finding and the site that watches it, or why there is none; and the site of the probe's
    companion reading, where it has one and it could be placed."""

    finding: Finding
    path: str
    site: Site | None = None
    not_probed: str | None = None
    companion: Site | None = None

    @property
    def sites(self) -> tuple[Site, ...]:
        return tuple(site for site in (self.site, self.companion) if site is not None)


def plan(
    findings: Sequence[tuple[Finding, str]],
    probe_of: Callable[[str], RuntimeProbe | None],
    read_text: Callable[[str], str],
) -> list[Planned]:
    """`findings` are (finding, absolute path of its file)."""
    trees: dict[str, tuple[cst.Module, dict] | None] = {}
    planned: list[Planned] = []
    next_id = 0
    for finding, path in findings:
        probe = probe_of(finding.code)
        if probe is None:
            planned.append(Planned(finding, path, not_probed=f"{finding.code} has no run-time probe yet"))
            continue
        site, reason = _site(finding, path, probe.site, probe.observation.value, next_id, trees, read_text)
        if site is None:
            planned.append(Planned(finding, path, not_probed=reason))
            continue
        next_id += 1
        companion = None
        if probe.companion is not None:
            companion, _ = _site(finding, path, probe.companion[0], probe.companion[1].value, next_id, trees, read_text)
            next_id += companion is not None
        planned.append(Planned(finding, path, site=site, companion=companion))
    return planned


def _site(finding: Finding, path: str, where: ProbeSite, observation: str, site_id: int, trees: dict,
          read_text: Callable[[str], str]) -> tuple[Site | None, str]:
    """The site that watches `where` of the finding, or why there is none."""
    where_path, span = path, finding.span
    if where in (ProbeSite.RELATED, ProbeSite.RELATED_CALLEE):
        if not finding.related:
            return None, "the finding names no related location to watch"
        related = finding.related[0]
        if related.filename:  # a related location in another file is named as `check` shows it
            where_path = str((Path.cwd() / related.filename).resolve())
        span = related.span
    if where_path not in trees:
        trees[where_path] = _tree(where_path, read_text)
    tree = trees[where_path]
    node = _node_at(tree, span) if tree is not None else None
    target = _watched(node, where) if node is not None else None
    if target is None:
        return None, "the file could not be read" if tree is None else "the site is not an expression the probe can wrap"
    start, end = _span_of(tree, target)
    return Site(site_id, where_path, start, end, observation), ""


def _tree(path: str, read_text: Callable[[str], str]) -> tuple[cst.Module, dict] | None:
    from dqn_lint.model.positions import module_positions

    try:
        module = cst.parse_module(read_text(path))
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError, cst.ParserSyntaxError):
        return None
    return module, module_positions(module)


def _node_at(tree: tuple[cst.Module, dict], span: Span) -> cst.CSTNode | None:
    """The outermost expression whose range is exactly `span`."""
    from dqn_lint.probe.rewrite import expressions_at

    module, positions = tree
    key = (span.start.row, span.start.column - 1, span.end.row, span.end.column - 1)
    return next(iter(expressions_at(module, positions, {key: None})), None)


def _watched(node: cst.CSTNode, site: ProbeSite) -> cst.BaseExpression | None:
    if site is ProbeSite.BOOTSTRAP_TERM:
        return _bootstrap_term(node)
    if site in (ProbeSite.FINDING, ProbeSite.RELATED):
        return node if isinstance(node, cst.BaseExpression) else None
    if not isinstance(node, cst.Call):
        return None
    if site in (ProbeSite.CALLEE, ProbeSite.RELATED_CALLEE):
        return node.func
    if site is ProbeSite.RECEIVER and isinstance(node.func, cst.Attribute):
        return node.func.value
    return None


def _bootstrap_term(node: cst.CSTNode) -> cst.BaseExpression | None:
    """Of `r + gamma * next_q` (either order), the product: the discounted bootstrap."""
    if not isinstance(node, cst.BinaryOperation) or not isinstance(node.operator, cst.Add):
        return None
    products = [side for side in (node.left, node.right)
                if isinstance(side, cst.BinaryOperation) and isinstance(side.operator, cst.Multiply)]
    return products[0] if len(products) == 1 else None


def _span_of(tree: tuple[cst.Module, dict], node: cst.CSTNode) -> tuple[tuple[int, int], tuple[int, int]]:
    start_line, start_column, end_line, end_column = tree[1][node]
    return (start_line, start_column + 1), (end_line, end_column + 1)

