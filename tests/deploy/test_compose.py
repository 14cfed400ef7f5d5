"""The deployment configuration wires the scale-out topology the end-to-end tests prove."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from screening.rasa_endpoints import TRACKER_STORE_TYPE

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_only_the_app_is_reachable_from_outside():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"app"}
    assert compose()["networks"]["internal"]["internal"] is True
    for name in ("postgres", "redis", "actions", "rasa"):
        assert services[name]["networks"] == ["internal"], name


def test_two_rasa_replicas_share_a_postgres_tracker_and_a_redis_lock_store():
    services = compose()["services"]
    assert services["rasa"]["deploy"]["replicas"] == 2
    environment = services["rasa"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg2://") and "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert services["app"]["environment"]["RASA_URL"] == "http://rasa:5005"


def test_the_endpoints_rasa_writes_at_start_use_both_stores_and_the_action_service(tmp_path):
    command = " ".join(compose()["services"]["rasa"]["command"])
    action_url = re.search(r"--action-url (\S+)", command).group(1)
    out = tmp_path / "endpoints.yml"
    env = {"DATABASE_URL": "postgresql+psycopg2://screening:pw@postgres:5432/screening",
           "REDIS_URL": "redis://redis:6379/0", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "screening.rasa_endpoints", "--out", str(out), "--action-url", action_url],
                   cwd=tmp_path, env=env, check=True)
    endpoints = yaml.safe_load(out.read_text())
    assert endpoints["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert endpoints["tracker_store"] == {"type": TRACKER_STORE_TYPE, "dialect": "postgresql", "url": "postgres", "port": 5432,
                                          "db": "screening", "username": "screening", "password": "pw"}
    assert endpoints["lock_store"]["type"] == "redis" and endpoints["lock_store"]["url"] == "redis"


def test_every_setting_the_deployment_reads_is_documented():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    documented |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "deploy" / "README.md").read_text()))
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    assert used and used <= documented, used - documented
