"""docker-compose.yml stays valid and every long-running process has a healthcheck; the web
container's check, run as Docker runs it, passes against a serving process and fails without one."""

import socket
import subprocess
import sys

import yaml
from django.conf import settings


def compose():
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


def test_every_long_running_service_has_a_healthcheck_and_the_web_one_asks_healthz():
    services = compose()["services"]

    for name in ("postgres", "redis", "web", "worker", "beat"):
        check = services[name].get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), name
    assert any("/healthz" in part for part in services["web"]["healthcheck"]["test"])
    assert services["beat"]["healthcheck"]["test"][1:] == ["python", "manage.py", "health", "--require", "beat"]
    # The merge of the shared app block still gives every app service its image and environment.
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["image"] == "dispatch112:latest" and "DATABASE_URL" in services[name]["environment"]


def web_healthcheck(address):
    """The web container's healthcheck command, pointed at `address` instead of 127.0.0.1:8000."""
    command = compose()["services"]["web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    code = command[3].replace("http://127.0.0.1:8000", address)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30).returncode


def test_the_web_healthcheck_passes_against_a_serving_process_and_fails_without_one(live_server):
    assert web_healthcheck(live_server.url) == 0

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert web_healthcheck(f"http://127.0.0.1:{port}") != 0
