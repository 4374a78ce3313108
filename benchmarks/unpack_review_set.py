"""Unpack the review set's repositories, each at its labelled commit, from fetched git mirrors.

`git archive` stops at the first blob a shallow snapshot lacks (a model checkpoint, a GIF), and
`tar` then keeps a partial tree without saying so: a repository whose `utils/replay_buffer.py`
came after the missing blob silently loses it. So each file is written from its own blob, and
the blobs that are absent are counted and reported.

    python benchmarks/unpack_review_set.py --mirrors /work/.mirror --out /work/review/repos

`--mirrors` holds one `OWNER+NAME/` folder per repository with its git directory at `repo/` or
`repo/.git` (what the search tool's fetch leaves); a file already unpacked with the right size
is kept.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPOS = Path(__file__).resolve().parent / "results" / "review-set" / "repos.json"


def git_dir(mirrors: Path, slug: str) -> Path | None:
    for candidate in (mirrors / slug / "repo" / ".git", mirrors / slug / "repo"):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def unpack(git: Path, commit: str, out: Path) -> tuple[int, int]:
    """Write every regular file of `commit` under `out`; return (written, absent)."""
    listing = subprocess.run(
        ["git", "--git-dir", str(git), "ls-tree", "-r", "-z", "-l", commit], capture_output=True, check=True
    ).stdout.decode("utf-8", "surrogateescape")
    written = absent = 0
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob, size = meta.split()
        if kind != "blob" or mode == "120000":  # symlinks could point out of the tree
            continue
        target = out / path
        if target.is_file() and target.stat().st_size == int(size):
            continue
        content = subprocess.run(["git", "--git-dir", str(git), "cat-file", "blob", blob], capture_output=True)
        if content.returncode != 0:
            absent += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.stdout)
        written += 1
    return written, absent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    missing = []
    for repo in json.loads(REPOS.read_text()):
        slug = repo["repo"].replace("/", "+")
        git = git_dir(args.mirrors, slug)
        if git is None:
            missing.append(repo["repo"])
            continue
        try:
            written, absent = unpack(git, repo["commit"], args.out / slug)
        except subprocess.CalledProcessError:
            missing.append(f"{repo['repo']} (commit {repo['commit'][:12]} not in the mirror)")
            continue
        note = f", {absent} blobs absent from the snapshot" if absent else ""
        print(f"{repo['repo']}: {written} files written{note}")
    for name in missing:
        print(f"not unpacked: {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
