"""The production image's build and start, outside Docker: collectstatic with the production
settings, then gunicorn (gunicorn.conf.py) serving with DEBUG=false and hashed static files."""

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.conftest import wait_until

from .production import free_port, production_env, run, start_gunicorn, stop

HOST = "sportloket.example.nl"
FOLLOW_TOKEN = "Zk3f9QwPZ2mVb8RtYc4NxLs7Ha1Jd6Ue"  # noqa: S105 - looks like a follow-link token


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(port: int, path: str, **headers: str):
    request = urllib.request.Request(  # noqa: S310 - plain http to our own test server
        f"http://127.0.0.1:{port}{path}", headers={"Host": HOST, **headers}
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(tmp_path, SPORTLOKET_TRUSTED_PROXIES="1", SPORTLOKET_SINGLE_PROCESS="true")
    env.pop("REDIS_URL")  # a single process: the test needs no Redis
    for command in (["collectstatic", "--no-input", "-v0"], ["migrate", "--no-input", "-v0"]):
        result = run(["manage.py", *command], env)
        assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(env, port, log)
    yield {"port": port, "log": log, "static": tmp_path / "static"}
    stop(process)


def test_collectstatic_writes_a_manifest_of_hashed_files(server):
    manifest = json.loads((server["static"] / "staticfiles.json").read_text())["paths"]
    assert re.fullmatch(
        r"vendor/bootstrap\.min\.[0-9a-f]{12}\.css", manifest["vendor/bootstrap.min.css"]
    )
    assert (server["static"] / manifest["vendor/bootstrap.bundle.min.js"]).exists()


def test_a_page_is_served_with_hashed_static_urls_that_load(server):
    status, headers, body = get(server["port"], "/account/login/", **{"X-Forwarded-Proto": "https"})
    assert status == 200, body[:2000]
    html = body.decode()
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))
    assert "/static/vendor/bootstrap.min.css" not in assets
    assert any(re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", url) for url in assets)
    assert any(re.search(r"bootstrap\.bundle\.min\.[0-9a-f]{12}\.js$", url) for url in assets)
    for url in assets:
        status, headers, content = get(server["port"], url, **{"X-Forwarded-Proto": "https"})
        assert status == 200, url
        assert content
        assert "max-age=315360000" in headers["Cache-Control"]  # hashed: cached forever


def test_no_server_banner_on_pages_redirects_and_errors(server):
    for path, proto in [
        ("/account/login/", "https"),
        ("/account/login/", "http"),
        ("/nope/", "https"),
    ]:
        status, headers, _ = get(server["port"], path, **{"X-Forwarded-Proto": proto})
        assert status in {200, 301, 404}
        assert "Server" not in headers, (path, proto, headers["Server"])


def test_plain_http_from_the_proxy_is_redirected_to_https(server):
    status, headers, _ = get(server["port"], "/account/login/", **{"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/account/login/"


def test_each_request_logs_one_json_line_with_its_request_id_and_no_secrets(server):
    port = server["port"]
    https = {"X-Forwarded-Proto": "https"}
    get(port, "/account/login/?next=/beheer/", **https, **{"X-Request-ID": "proxy-req-0001"})
    status, headers, _ = get(
        port,
        f"/hulpvraag/volg/{FOLLOW_TOKEN}/?token={FOLLOW_TOKEN}",
        **https,
        **{"X-Request-ID": "bad id with spaces"},
    )
    assert status == 404
    generated = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)

    def request_lines() -> list[dict]:
        found = []
        for raw in server["log"].read_text().splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("logger") == "sportloket.request" and line.get("request_id") in {
                "proxy-req-0001",
                generated,
            }:
                found.append(line)
        return found if len(found) == 2 else []

    requests = wait_until(request_lines, timeout=30)
    by_id = {line["request_id"]: line for line in requests}
    login = by_id["proxy-req-0001"]
    assert (login["method"], login["path"], login["status"]) == ("GET", "/account/login/", 200)
    assert login["route_name"] == "login"
    assert login["user_id"] is None
    assert isinstance(login["duration_ms"], int | float)
    follow = by_id[generated]
    assert (follow["path"], follow["status"]) == ("/hulpvraag/volg/<slug:token>/", 404)
    text = server["log"].read_text()
    assert FOLLOW_TOKEN not in text
    assert "next=" not in text


def test_the_compose_web_health_check_passes_against_the_running_server(server):
    """docker-compose.yml's own health-check command, run as compose runs it inside the web
    container (its port rewritten to this server's): exit 0 while ready, non-zero when
    nothing answers."""
    import subprocess
    import sys

    import yaml

    from .production import BASE_DIR

    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    assert "/health/ready/" in command[3]
    env = {"PATH": "/usr/bin:/bin", "DJANGO_ALLOWED_HOSTS": f"{HOST},127.0.0.1"}

    def check(port: int) -> int:
        code = command[3].replace("127.0.0.1:8000/", f"127.0.0.1:{port}/")
        assert code != command[3]
        return subprocess.run(  # noqa: S603 - our interpreter, the compose file's code
            [sys.executable, "-c", code], env=env, capture_output=True, timeout=60, check=False
        ).returncode

    assert check(server["port"]) == 0
    assert check(free_port()) != 0
