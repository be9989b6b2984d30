"""Take the manual's screenshots (``make screenshots``).

Starts the development server on a throwaway SQLite database filled by ``manage.py demo_data``,
logs in as each demo login through the real login form (password, then the code of its
authenticator app, computed from the key the demo data made), and photographs the pages the
manual (``docs/handleiding/``) describes. The pictures are written to ``docs/img/`` as
palette PNGs, small enough to commit. Nothing outside a temporary folder is touched: the
database, uploaded files and the Celery broker all live there and are removed afterwards.

Usage: ``.venv/bin/python scripts/screenshots.py [NAME ...]`` (names as in ``SHOTS``; none:
all). Needs Chromium at ``/usr/bin/chromium`` (or ``SPORTLOKET_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "docs" / "img"
CHROMIUM = os.environ.get("SPORTLOKET_CHROMIUM", "/usr/bin/chromium")
PYTHON = sys.executable
VIEWPORT = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Shot:
    """One picture: ``path`` may hold ``{placeholders}`` filled from the demo data (``ids``);
    ``login`` is a demo user name or "" for the public; ``full`` photographs the whole page
    (up to ``max_height`` pixels) instead of the first screen."""

    name: str
    login: str
    path: str
    full: bool = False
    max_height: int = 1600


SHOTS: tuple[Shot, ...] = (
    # The public: sport providers and people with a question.
    Shot("publiek-aanmelden", "", "/aanmelden/", full=True),
    Shot("publiek-hulpvraag", "", "/hulpvraag/", full=True),
    Shot("publiek-hulpvraag-volgen", "", "/hulpvraag/volg/{follow_code}/", full=True),
    Shot("publiek-pos-aanmelden", "", "/pos-kantoor/aanmelden/"),
    Shot("publiek-privacy", "", "/privacy/"),
    Shot("inloggen", "", "/account/login/"),
    # Club supporter.
    Shot("clubondersteuner-start", "clubondersteuner", "/"),
    Shot("clubondersteuner-hulpvragen", "clubondersteuner", "/loket/hulpvragen/"),
    Shot(
        "clubondersteuner-hulpvraag",
        "clubondersteuner",
        "/loket/hulpvragen/{question}/",
        full=True,
    ),
    Shot("clubondersteuner-nieuwe-hulpvraag", "clubondersteuner", "/loket/hulpvragen/nieuw/"),
    Shot("clubondersteuner-aanbieders", "clubondersteuner", "/aanbieders/"),
    Shot("clubondersteuner-aanbieder", "clubondersteuner", "/aanbieders/{provider}/", full=True),
    Shot("clubondersteuner-importeren", "clubondersteuner", "/aanbieders/importeren/"),
    Shot("clubondersteuner-contactmomenten", "clubondersteuner", "/loket/contactmomenten/"),
    Shot("clubondersteuner-regelingen", "clubondersteuner", "/subsidies/regelingen/"),
    Shot("clubondersteuner-budgetten", "clubondersteuner", "/subsidies/budgetten/"),
    Shot("clubondersteuner-kwaliteit", "clubondersteuner", "/loket/{desk}/kwaliteit/"),
    Shot("clubondersteuner-netwerk", "clubondersteuner", "/loket/{desk}/netwerk/"),
    Shot("clubondersteuner-dashboard", "clubondersteuner", "/loket/dashboard/"),
    Shot("clubondersteuner-bijeenkomsten", "clubondersteuner", "/bijeenkomsten/"),
    # Partner organisation.
    Shot("partner-overdrachten", "partner", "/loket/overdrachten/"),
    # Policy staff.
    Shot("beleid-start", "beleid", "/"),
    Shot("beleid-pos-kantoor", "beleid", "/pos-kantoren/{office}/", full=True),
    Shot("beleid-jaarplan", "beleid", "/pos-kantoren/{office}/jaarplan/{year}/"),
    Shot("beleid-buurtsportcoaches", "beleid", "/buurtsportcoaches/"),
    Shot("beleid-loketten", "beleid", "/loketten/"),
    Shot("beleid-transparantie", "beleid", "/subsidies/transparantie/{desk}/{year}/"),
    # POS staff.
    Shot("pos-kantoren", "pos", "/pos-kantoren/"),
    Shot("pos-dashboard", "pos", "/dashboard/pos/", full=True),
    Shot("pos-programma", "pos", "/pos-kantoren/{office}/programma/"),
    Shot("pos-bijeenkomst", "pos", "/bijeenkomsten/{meeting}/", full=True),
    # Administrator.
    Shot("beheer-admin", "beheer", "/beheer/"),
    Shot("beheer-medewerkers", "beheer", "/beheer/sportloket/staffprofile/"),
    Shot("beheer-gemeenten", "beheer", "/beheer/sportloket/municipality/"),
    Shot("beheer-herstelcodes", "beheer", "/account/tweestaps/herstelcodes/"),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


DEMO_FACTS = r"""
import json
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from meetings.models import Meeting, SupportRequest
from poskantoor.models import PosOffice, YearPlan
from poskantoor.services import year_plan_render_pdf
from providers.models import Provider
from sportloket.demo import DEMO_PASSWORD
from sportloket.models import Desk

question = SupportRequest.objects.exclude(public_token="").order_by("pk").first()
office = PosOffice.objects.filter(municipality__name="Utrecht").order_by("pk").first()
# No worker runs beside this server: render the year plans' PDFs here, as a worker would.
for plan in YearPlan.objects.filter(office=office):
    year_plan_render_pdf(plan_id=plan.pk)
print(json.dumps({
    "question": question.pk,
    "follow_code": question.public_token,
    "desk": Desk.objects.order_by("pk").first().pk,
    "provider": Provider.objects.filter(status="active").order_by("pk").first().pk,
    "office": office.pk,
    "meeting": Meeting.objects.filter(office__isnull=False).order_by("pk").first().pk,
    "year": timezone.localdate().year,
    "password": DEMO_PASSWORD,
    "keys": {d.user.username: d.key for d in TOTPDevice.objects.filter(confirmed=True)},
}))
"""


def small_png(data: bytes) -> bytes:
    """A palette PNG (256 colours): a tenth of the size of Chromium's, sharp for an interface."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


def log_in(page, base_url: str, username: str, key_hex: str, password: str) -> None:
    from django_otp.oath import totp

    page.goto(f"{base_url}/account/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    if "/account/tweestaps/" in page.url:
        token = totp(bytes.fromhex(key_hex))
        page.locator("input[name=token]").fill(f"{token:06d}")
        page.locator("input[name=token]").press("Enter")
        page.wait_for_load_state()


def photograph(page, base_url: str, shot: Shot, ids: dict, out: Path) -> Path:
    page.goto(base_url + shot.path.format(**ids))
    page.wait_for_load_state("networkidle")
    if shot.login and page.url.rstrip("/").endswith("/account/login"):
        raise SystemExit(f"{shot.name}: the page asked for a login")
    options = {"full_page": shot.full, "animations": "disabled", "caret": "hide"}
    if shot.full:
        height = min(page.evaluate("document.documentElement.scrollHeight"), shot.max_height)
        options = {**options, "full_page": True, "clip": {"x": 0, "y": 0, "width": 1280}}
        options["clip"]["height"] = height
    target = out / f"{shot.name}.png"
    target.write_bytes(small_png(page.screenshot(**options)))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these screenshots")
    parser.add_argument(
        "--workdir", help="keep the database in this folder and reuse it on the next run"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the pictures")
    args = parser.parse_args()
    wanted = [shot for shot in SHOTS if not args.names or shot.name in args.names]
    if not wanted:
        raise SystemExit(f"no screenshot named {args.names}")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")

    with tempfile.TemporaryDirectory(prefix="sportloket-screenshots-") as scratch:
        tmp = args.workdir or scratch
        Path(tmp).mkdir(parents=True, exist_ok=True)
        fresh = not (Path(tmp) / "screenshots.sqlite3").exists()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="sportloket.settings.dev",
            DATABASE_URL=f"sqlite:///{tmp}/screenshots.sqlite3",
            CELERY_BROKER_URL="memory://",
            DJANGO_MEDIA_ROOT=f"{tmp}/media",
            SPORTLOKET_REQUIRE_2FA="true",
            LANGUAGE="nl",
        )
        if fresh:
            print("migrating a throwaway database and loading the demo data …", flush=True)
            manage(env, "migrate", "--no-input", "-v0")
            manage(env, "demo_data")
        import json

        ids = json.loads(manage(env, "shell", "-c", DEMO_FACTS).strip().splitlines()[-1])
        keys = ids.pop("keys")
        password = ids.pop("password")

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - our own manage.py
            [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base_url}/health/live/")
            args.out.mkdir(parents=True, exist_ok=True)
            take(wanted, base_url, ids, keys, password, args.out)
        finally:
            server.terminate()
            server.wait(timeout=30)


def take(
    wanted: list[Shot], base_url: str, ids: dict, keys: dict, password: str, out: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        try:
            for login in dict.fromkeys(shot.login for shot in wanted):
                context = browser.new_context(
                    viewport=VIEWPORT, locale="nl-NL", timezone_id="Europe/Amsterdam"
                )
                context.set_default_timeout(60_000)
                page = context.new_page()
                if login:
                    log_in(page, base_url, login, keys[login], password)
                for shot in (shot for shot in wanted if shot.login == login):
                    target = photograph(page, base_url, shot, ids, out)
                    print(f"  {target} ({target.stat().st_size // 1024} kB)", flush=True)
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
