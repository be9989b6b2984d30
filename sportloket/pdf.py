"""PDF rendering with WeasyPrint that fetches nothing from the network.

The renderer only ever reads the app's own static files (found like ``collectstatic`` finds
them, or in STATIC_ROOT) and ``data:`` URLs; every other URL — http(s), file:, ftp:, a path
outside the static folders — is refused before anything is opened. Redirects are switched
off as well (WeasyPrint before 68 let a redirect bypass the fetcher).
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

# Relative URLs in the templates (``{% static %}`` gives /static/…) resolve against this
# origin; it never leaves the process: the fetcher maps it onto the static folders.
PDF_BASE_URL = "https://sportloket.pdf.invalid/"


class UnsafeURLError(ValueError):
    """A URL the PDF renderer refuses to fetch (WeasyPrint logs it and skips the resource)."""


def static_file_for(url: str) -> Path | None:
    """The static file behind ``url`` if it is one of ours, else None."""
    parts = urlsplit(url)
    base = urlsplit(PDF_BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = unquote(parts.path)
    if not path.startswith(settings.STATIC_URL):
        return None
    relative = path[len(settings.STATIC_URL) :]
    normalised = posixpath.normpath(relative)
    if not relative or normalised.startswith(("..", "/")) or normalised != relative:
        return None
    try:
        found = finders.find(normalised)
    except Exception:  # noqa: BLE001 - SuspiciousFileOperation and friends: refuse
        return None
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / normalised).resolve()
        if candidate.is_file() and root in candidate.parents:
            return candidate
    return None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Deny by default: our static files and ``data:`` URLs, nothing else."""

        def __init__(self, **kwargs: Any):
            kwargs.update(allow_redirects=False, allowed_protocols=["data"])
            super().__init__(**kwargs)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict | None = None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file_for(url)
            if path is None:
                self.refused.append(url)
                raise UnsafeURLError(f"The PDF renderer does not fetch {url}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".woff":
                content_type = "font/woff"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyURLFetcher


def make_url_fetcher():
    """A fresh deny-by-default fetcher (it records the URLs it refused in ``.refused``)."""
    return _fetcher_class()()


def render_pdf(
    template: str, context: dict[str, Any], *, url_fetcher: Any = None
) -> tuple[str, bytes]:
    """Render ``template`` in Dutch and return (html, pdf bytes) as PDF/UA-1.

    The template must set ``<html lang>`` and a ``<title>`` (PDF/UA needs both); user text
    must be output with autoescaping (it is: Django templates escape by default).
    """
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    with translation.override("nl"):
        html = render_to_string(template, context)
    fetcher = url_fetcher or make_url_fetcher()
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher)
    pdf = document.write_pdf(
        font_config=FontConfiguration(), pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )
    return html, pdf
