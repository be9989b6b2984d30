"""``make screenshots`` works end to end: a throwaway database with the demo data, the
development server, a public page and a page behind the two-step login, small palette PNGs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_the_screenshot_script_photographs_a_public_and_a_staff_page(tmp_path):
    from PIL import Image

    result = subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [
            sys.executable,
            "scripts/screenshots.py",
            "inloggen",
            "beheer-herstelcodes",
            "--out",
            str(tmp_path),
        ],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    for name in ("inloggen", "beheer-herstelcodes"):
        picture = tmp_path / f"{name}.png"
        with Image.open(picture) as image:
            assert image.format == "PNG"
            assert image.mode == "P"  # 256 colours: small enough to commit
            assert image.width == 1280
        assert picture.stat().st_size < 200_000
    # Nothing was written into the repository's own pictures or a database of the checkout.
    assert "docs/img" not in result.stdout
