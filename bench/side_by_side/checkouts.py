"""The two variants compared: a baseline commit and the current code, each a directory holding a
``cityloop`` package (a git worktree of a commit, or the working tree itself)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The last commit of the fastsql write path (cityloop/core/fastsql, release 0.1.x): what the plain
# ORM is compared with by default.
BASELINE_REF = "b10cbe5"
CHECKOUTS = REPO / "var" / "bench" / "checkouts"


@dataclass(frozen=True)
class Variant:
    """One side: its role (``baseline`` or ``current``), what it is, and where its code lives."""

    name: str
    label: str  # the ref as given, or "working tree"
    path: Path
    sha: str | None  # None: the working tree, as it is now
    # Environment variables set for this variant's processes only (to measure one setting's effect,
    # e.g. the same code with PG_PREPARED_STATEMENTS=0 on one side).
    env: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        settings = "".join(f", {k}={v}" for k, v in self.env)
        if self.sha is None:
            return f"{self.name}: working tree {self.path} ({_working_tree_state(self.path)}){settings}"
        return f"{self.name}: {self.label} ({self.sha[:12]}, worktree {_shown(self.path)}){settings}"


def _git(*args: str, cwd: Path = REPO) -> str:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def _working_tree_state(path: Path) -> str:
    try:
        head = _git("rev-parse", "--short=7", "HEAD", cwd=path)
        status = _git("status", "--porcelain", "--", "cityloop", cwd=path)
    except RuntimeError:
        return "not a git checkout"
    changed = [line for line in status.splitlines() if line]
    return f"HEAD {head}, {len(changed)} changed path(s) under cityloop/"


def resolve(ref: str) -> str:
    """The full commit id ``ref`` names."""
    return _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")


def worktree(sha: str) -> Path:
    """A detached worktree of the commit under var/bench/checkouts/ (made once, then reused)."""
    path = CHECKOUTS / sha[:12]
    if (path / ".git").exists():
        try:
            if _git("rev-parse", "HEAD", cwd=path) == sha:
                return path
        except RuntimeError:
            pass
        raise RuntimeError(f"{path} holds another commit than {sha[:12]}: remove it (git worktree remove)")
    CHECKOUTS.mkdir(parents=True, exist_ok=True)
    _git("worktree", "prune")  # forget worktrees whose directory was deleted
    _git("worktree", "add", "--detach", str(path), sha)
    return path


def variant(name: str, ref: str | None, env: list[str] | None = None) -> Variant:
    """The variant for ``ref``, or for the working tree when ``ref`` is None, with ``env``
    (``NAME=VALUE`` items) set for its processes."""
    pairs = []
    for item in env or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--{name}-env {item!r}: give NAME=VALUE")
        pairs.append((key, value))
    if ref is None:
        return Variant(name, "working tree", REPO, None, tuple(pairs))
    try:
        sha = resolve(ref)
    except RuntimeError:
        raise SystemExit(f"--{name} {ref}: no such commit in {REPO}") from None
    return Variant(name, ref, worktree(sha), sha, tuple(pairs))


def check_origin(variant: Variant, cityloop_file: str) -> None:
    """Fail unless the ``cityloop`` a process of this variant imported is the variant's own."""
    if not Path(cityloop_file).resolve().is_relative_to(variant.path.resolve() / "cityloop"):
        raise RuntimeError(
            f"{variant.name} imported cityloop from {cityloop_file}, not from {variant.path}: "
            "the checkout did not come first on the path"
        )
