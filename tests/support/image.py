"""The image's recipe read as Docker reads it: the Dockerfile's steps and the build context.

No container engine runs here, so tests repeat the recipe outside one: the build context
is the checkout filtered by `.dockerignore`, and the environment the final stage sets is
the one services start with.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    """One `FROM` of the Dockerfile and what it declares."""

    name: str | None
    env: dict[str, str] = field(default_factory=dict)
    copies: list[list[str]] = field(default_factory=list)  # sources of COPY from the context
    instructions: dict[str, list[str]] = field(default_factory=dict)


def _logical_lines(text: str) -> list[str]:
    """Instructions with their continuation lines joined and comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    return lines


def stages(dockerfile: Path = ROOT / "Dockerfile") -> list[Stage]:
    """The Dockerfile's stages, in order (only what the tests read: ENV, COPY, the rest raw)."""
    found: list[Stage] = []
    for line in _logical_lines(dockerfile.read_text(encoding="utf-8")):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            found.append(Stage(words[2] if len(words) > 2 and words[1].upper() == "AS" else None))
            continue
        if not found:
            continue  # ARG before the first FROM
        stage = found[-1]
        stage.instructions.setdefault(keyword, []).append(rest)
        if keyword == "ENV":
            for word in shlex.split(rest):
                name, _, value = word.partition("=")
                stage.env[name] = value
        elif keyword == "COPY" and not rest.startswith("--from"):
            stage.copies.append(shlex.split(rest)[:-1])
    return found


def _pattern(rule: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match, plus `**` for any folders) as a regex."""
    out, i = "", 0
    while i < len(rule):
        if rule.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif rule.startswith("**", i):
            out, i = out + ".*", i + 2
        elif rule[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif rule[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(rule[i]), i + 1
    return re.compile(out)


def ignore_rules(path: Path = ROOT / ".dockerignore") -> list[tuple[bool, re.Pattern[str]]]:
    """(excluded?, pattern) for each rule, in order; the last rule matching a path decides."""
    rules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((not negated, _pattern(line.lstrip("!").strip("/"))))
    return rules


def ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves `relative` (a/b/c) out of the build context.

    As Docker does, a pattern matching a folder matches everything in it.
    """
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for excluded, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            verdict = excluded
    return verdict


def context_files(root: Path = ROOT) -> list[str]:
    """Every file of the checkout that goes into the build context, relative to `root`."""
    rules = ignore_rules(root / ".dockerignore")
    found = []
    for folder, dirs, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        # Folders nothing could be re-included from are not walked (.venv, .git, .data).
        dirs[:] = [
            d
            for d in dirs
            if not (d.startswith(".") and ignored(os.path.normpath(f"{rel_folder}/{d}"), rules))
        ]
        for name in files:
            relative = os.path.normpath(f"{rel_folder}/{name}")
            if not ignored(relative, rules):
                found.append(relative)
    return sorted(found)


def copy_context(target: Path, root: Path = ROOT) -> list[str]:
    """Copy the build context into `target`; the files copied."""
    files = context_files(root)
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, destination)
    return files


def wheelhouse(lock: Path = ROOT / "requirements.lock") -> Path:
    """A folder of the locked distributions (and a build backend), downloaded once per lock.

    The image's install step then runs with `PIP_NO_INDEX` and `PIP_FIND_LINKS` on it:
    the same command, the same hash checks, without fetching each package again per run.
    """
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kontakt-tests"
    folder = cache / f"wheelhouse-{digest}"
    if folder.is_dir():
        return folder
    partial = cache / f"wheelhouse-{digest}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(partial)]
    subprocess.run([*pip, "--no-deps", "--require-hashes", "-r", str(lock)], check=True)
    # The build backends: pyproject.toml's, and what locked source distributions need.
    subprocess.run([*pip, "setuptools>=68", "wheel"], check=True)
    partial.rename(folder)
    return folder
