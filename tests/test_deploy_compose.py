"""docker-compose.yml as the production recipe (issue 12, item 16): no Docker engine runs here, so the file is
read as data and the settings it gives are loaded by Django in a subprocess."""

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("web", "worker", "beat", "migrate")
SECRETS = ("SECRET_KEY", "IDENTITY_KEYS", "IDENTITY_HASH_KEY", "AUDIT_CHAIN_KEY")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _env(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in _compose()["services"][service]["environment"].items()}


def _user(url: str) -> str:
    return urlparse(_filled(url)).username


def _filled(value: str) -> str:
    """A compose value with its ${VAR:-default} / ${VAR:?message} parts replaced as an operator's .env would."""
    examples = {
        "SECRET_KEY": "k7#Qm2$vX9!pL4&zR8*wT1^yN6@bC3%hJ5-dF0+gS2=aE7~uI9",
        "IDENTITY_KEYS": "Pw1c5cHh1bS9wVhVOR5yXG0uX5nDq0dj8ZzP4Jp1H9s=",
        "IDENTITY_HASH_KEY": "compose-test-hash-key-0123456789abcdefghijklmnop",
        "AUDIT_CHAIN_KEY": "Zr3w9yVb1QmT7kLp2Xs8Nd4Hf6Jc0Ga5Ue1Io9Py3Rt7Wq2Lm",
    }

    def one(match):
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in examples:
            return examples[name]
        return rest if op == ":-" else "secret"

    return re.sub(r"\$\{(\w+)(:[-?])([^}]*)\}", one, value)


def test_the_application_connects_as_a_role_that_is_neither_superuser_nor_owner():
    compose = _compose()
    superuser = compose["services"]["db"]["environment"]["POSTGRES_USER"]
    for service in ("web", "worker", "beat"):
        assert _user(_env(service)["DATABASE_URL"]) == "dic_app", service
    migrate = _env("migrate")
    assert _user(migrate["DATABASE_OWNER_URL"]) == "dic_owner"
    assert superuser not in {"dic_app", "dic_owner"}
    # The roles come from deploy/postgres-init (tests/test_security_audit.py runs it and shows that dic_app
    # cannot alter the audit trail); migrations run before web, worker and beat start.
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in compose["services"]["db"]["volumes"]
    assert migrate and compose["services"]["migrate"]["command"] == "deploy/migrate.sh"
    for service in ("web", "worker", "beat"):
        depends = compose["services"][service]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, service
    assert "migrate" not in compose["services"]["web"]["command"]


def test_every_secret_must_be_set_and_none_has_a_default():
    raw = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name in (*SECRETS, "POSTGRES_PASSWORD", "DIC_OWNER_PASSWORD", "DIC_APP_PASSWORD"):
        uses = re.findall(r"\$\{" + name + r"(:[-?])?", raw)
        assert uses and set(uses) == {":?"}, name
    for service in APP_SERVICES:
        env = _env(service)
        assert all(name in env for name in SECRETS), service
        assert env["DEBUG"] == "0"


def test_only_the_tls_proxy_is_published_and_it_sets_the_client_address():
    compose = _compose()
    proxy = compose["services"]["proxy"]
    assert sorted(proxy["ports"]) == ["443:443", "80:80"]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    for name, service in compose["services"].items():
        if name != "proxy":
            assert "ports" not in service, f"{name} publishes a port past the proxy"
    nginx = (ROOT / "deploy/nginx/nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"listen 443 ssl", nginx) and "return 301 https://$host$request_uri;" in nginx
    # The proxy overwrites the headers the application trusts; a client's own copy never passes.
    assert "proxy_set_header X-Real-IP $remote_addr;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    env = _env("web")
    assert env["CLIENT_IP_HEADER"] == "X-Real-IP"
    assert env["SECURE_PROXY_SSL_HEADER"] == "HTTP_X_FORWARDED_PROTO"
    # One body limit: the proxy's and the application's.
    limit = re.search(r"client_max_body_size (\d+)m;", nginx).group(1)
    assert env["MAX_REQUEST_MB"] == limit


def test_compose_settings_give_secure_cookies_and_pass_the_deploy_check():
    env = {key: _filled(value) for key, value in _env("web").items()}
    env.update({"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:", "ALLOWED_HOSTS": "cases.example.gov.cn"})
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "list(s.SECURE_PROXY_SSL_HEADER), s.CLIENT_IP_HEADER, s.MAX_REQUEST_BYTES]))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout) == [
        True,
        True,
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        "HTTP_X_REAL_IP",
        50 * 1024 * 1024,
    ]
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
