"""Lint the review set of public DQN repositories and score the findings against hand labels.

The repositories are not in this repository (third-party code): fetch each one listed in
`benchmarks/results/review-set/labels/*.json` at its commit and unpack it as
`<repos-dir>/OWNER+NAME/` (the labels name the commit; `benchmarks/unpack_review_set.py` does it
from fetched mirrors), then run

    python benchmarks/review_set.py --repos-dir /work/review/repos [--python PY] [--out FILE]

`--python` runs another dqn-lint (say, a checkout of an older commit with PYTHONPATH set) so the
figures before and after a change come from the same labels. Each finding is matched to a
labelled fault of its rule when it stands in one of the fault's files within `--slack` rows of a
labelled site; `triage.json` records the verdict of every other finding, read by hand: "tp" (a
real fault the labels missed, counted as found) or "fp" (with the reason). A finding with no
verdict is listed as untriaged and counted as a false positive. Faults labelled out of scope (a
time limit set outside the repository) are left out of recall.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "results" / "review-set" / "labels"
TRIAGE = HERE / "results" / "review-set" / "triage.json"
RULES = ("DQN001", "DQN002", "DQN003", "DQN004", "DQN005", "DQN006", "DQN007", "DQN008", "DQN009", "DQN010", "DQN011", "DQN012")


def lint(repo_dir: Path, python: str, env: dict[str, str]) -> list[dict]:
    command = [python, "-m", "dqn_lint", "check", ".", "--no-cache", "--output-format", "json", "--exit-zero"]
    done = subprocess.run(command, cwd=repo_dir, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"dqn-lint failed on {repo_dir.name}: {done.stderr.strip()[:400]}")
    return [finding for finding in json.loads(done.stdout) if finding["code"] in RULES]


def _site(text: str) -> tuple[str, int]:
    path, _, row = text.rpartition(":")
    return path.lstrip("./"), int(row)


def finding_key(repo: str, finding: dict) -> str:
    return f"{repo}:{finding['filename'].lstrip('./')}:{finding['location']['row']}:{finding['code']}"


def score(labels: list[dict], findings: dict[str, list[dict]], triage: dict[str, dict], slack: int) -> dict:
    per_rule = {rule: Counter() for rule in RULES}
    untriaged: list[str] = []
    false_positives: list[str] = []
    missed: list[str] = []
    for label in labels:
        repo = label["repo"]
        faults = [fault for fault in label["faults"] if fault["rule"] in RULES]
        found = [False] * len(faults)
        for finding in findings.get(repo, []):
            key = finding_key(repo, finding)
            row, filename = finding["location"]["row"], finding["filename"].lstrip("./")
            matched = False
            for number, fault in enumerate(faults):
                if fault["rule"] != finding["code"]:
                    continue
                for site in fault["sites"]:
                    site_file, site_row = _site(site)
                    if site_file == filename and abs(site_row - row) <= slack:
                        found[number] = matched = True
            verdict = triage.get(key, {}).get("verdict")
            if matched or verdict == "tp":
                per_rule[finding["code"]]["tp"] += 1
            else:
                per_rule[finding["code"]]["fp"] += 1
                (false_positives if verdict == "fp" else untriaged).append(key)
            if not matched and verdict == "tp":
                fault_ref = triage[key].get("fault")
                if fault_ref is not None and 0 <= fault_ref < len(faults):
                    found[fault_ref] = True
        for fault, was_found in zip(faults, found):
            if not fault.get("in_scope", True):
                continue
            per_rule[fault["rule"]]["faults"] += 1
            if was_found:
                per_rule[fault["rule"]]["found"] += 1
            else:
                missed.append(f"{repo} {fault['rule']} {fault['sites'][0]}")
    return {"per_rule": per_rule, "untriaged": untriaged, "false_positives": false_positives, "missed": missed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos-dir", type=Path, required=True)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", default=None, help="PYTHONPATH for --python (an older checkout)")
    parser.add_argument("--slack", type=int, default=4)
    parser.add_argument("--out", type=Path, help="write the findings per repository as JSON")
    parser.add_argument("--category", action="append", help="only these label categories")
    args = parser.parse_args()

    labels = [json.loads(path.read_text()) for path in sorted(LABELS.glob("*.json"))]
    if args.category:
        labels = [label for label in labels if label.get("category") in args.category]
    triage = json.loads(TRIAGE.read_text()) if TRIAGE.exists() else {}
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    findings: dict[str, list[dict]] = {}
    absent = []
    for label in labels:
        folder = args.repos_dir / label["repo"].replace("/", "+")
        if not folder.is_dir():
            absent.append(label["repo"])
            continue
        findings[label["repo"]] = lint(folder, args.python, env)
    labels = [label for label in labels if label["repo"] in findings]
    if args.out:
        args.out.write_text(json.dumps(findings, indent=1, sort_keys=True) + "\n")

    result = score(labels, findings, triage, args.slack)
    print(f"repositories: {len(labels)} linted" + (f", {len(absent)} not fetched: {', '.join(absent)}" if absent else ""))
    print(f"{'rule':8} {'findings':>8} {'tp':>4} {'fp':>4} {'precision':>9} {'faults':>7} {'found':>6} {'recall':>7}")
    totals = Counter()
    for rule, counts in result["per_rule"].items():
        totals.update(counts)
        print(_row(rule, counts))
    print(_row("all", totals))
    for title in ("untriaged", "false_positives", "missed"):
        if result[title]:
            print(f"\n{title.replace('_', ' ')} ({len(result[title])}):")
            for line in result[title]:
                print(f"  {line}")
    return 0


def _row(rule: str, counts: Counter) -> str:
    findings = counts["tp"] + counts["fp"]
    precision = f"{counts['tp'] / findings:.2f}" if findings else "-"
    recall = f"{counts['found'] / counts['faults']:.2f}" if counts["faults"] else "-"
    return f"{rule:8} {findings:>8} {counts['tp']:>4} {counts['fp']:>4} {precision:>9} {counts['faults']:>7} {counts['found']:>6} {recall:>7}"


if __name__ == "__main__":
    sys.exit(main())
