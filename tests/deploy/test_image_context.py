"""The image carries no secret: the build context, computed from .dockerignore the way Docker
computes it (the docker SDK's own matcher), holds none of the files an operator or a developer
keeps beside the code: .env files, databases, logs, keys, a local model, the git directory."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = "deploy/Dockerfile"
PLANTED_SECRET = "planted-secret-3f9c1e"

# Where people really keep secrets and data next to a checkout.
PLANTED = [
    ".env", ".env.production", "deploy/.env", "deploy/secrets.env", "deploy/postgres.env",
    "var/screening.db", "var/rasa_tracker.db", "var/screening.db-journal", "var/log/app.log",
    "var/log/rasa.log", "app.log", "screening/app/debug.log", "screening/.env", "actions/.env",
    "screening/var/screening.db", "data/nlu/local.sqlite3", "models/screening.tar.gz",
    "models/20261201-screening.tar.gz", "screening/models/x.tar.gz", "tls/server.key",
    "screening/app/server.pem", "id_ed25519", ".git/config", ".venv/pyvenv.cfg",
    "node_modules/x/index.js", "tests/conftest.py", "bench/results/run.json", ".rasa/cache/x",
    "screening/__pycache__/config.cpython-310.pyc",
]
# What the image needs, standing in for the real files.
NEEDED = [
    "requirements.lock", "pyproject.toml", "README.md", "config.yml", "domain.yml", "credentials.yml",
    "endpoints.yml", "data/nlu/en.yml", "actions/__init__.py", "rasa_channels/app_channel.py",
    "screening/__init__.py", "screening/content/instrument/ahc_hrsn_2018.yaml", "migrations/env.py",
    "migrations/versions/0001_first.py", DOCKERFILE,
]


def dockerignore_patterns(root: Path) -> list[str]:
    lines = (root / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def build_context(root: Path) -> set[str]:
    """The files `docker build -f deploy/Dockerfile .` sends from root."""
    paths = exclude_paths(str(root), dockerignore_patterns(root), dockerfile=DOCKERFILE)
    return {p for p in paths if (root / p).is_file()}


@pytest.fixture
def planted_checkout(tmp_path) -> Path:
    shutil.copy(ROOT / ".dockerignore", tmp_path / ".dockerignore")
    for name in NEEDED:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# needed\n")
    for name in PLANTED:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"ENCRYPTION_KEY={PLANTED_SECRET}\n")
    return tmp_path


def test_no_planted_secret_database_log_or_model_is_in_the_build_context(planted_checkout):
    context = build_context(planted_checkout)
    leaked = sorted(p for p in context if PLANTED_SECRET in (planted_checkout / p).read_text())
    assert leaked == []
    assert not set(PLANTED) & context


def test_everything_the_image_needs_is_in_the_build_context(planted_checkout):
    context = build_context(planted_checkout)
    assert set(NEEDED) <= context


def test_the_real_checkout_sends_what_the_dockerfile_copies_and_nothing_local():
    context = build_context(ROOT)
    dockerfile = (ROOT / DOCKERFILE).read_text()
    assert not re.search(r"^\s*(COPY|ADD)\s+\.\s", dockerfile, re.M), "copy named paths, not the whole context"
    for line in re.findall(r"^\s*COPY\s+(.+)$", dockerfile, re.M):
        for source in line.split()[:-1]:
            assert source in context or any(p.startswith(source + "/") for p in context), source
    local = re.compile(r"(^|/)(\.env[^/]*|[^/]*\.(db|log|pem|key|sqlite3?|tar\.gz)|var|models|\.git|\.venv)(/|$)")
    assert sorted(p for p in context if local.search(p)) == []


def test_secrets_reach_the_containers_at_run_time_only():
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    assert re.search(r"^\s*env_file:", compose, re.M)
    dockerfile = (ROOT / DOCKERFILE).read_text()
    for name in ("ENCRYPTION_KEY", "SECRET_KEY", "TWILIO_AUTH_TOKEN", "INTERNAL_TOKEN", "POSTGRES_PASSWORD"):
        assert name not in dockerfile
    assert not re.search(r"^\s*(ARG|ENV)\s+\S*(KEY|TOKEN|PASSWORD|SECRET)", dockerfile, re.M | re.I)
