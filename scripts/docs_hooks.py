"""MkDocs hook: keep the documentation site free of remote resources.

Material's offline plugin makes search work from ``file://`` by loading a small shim
(``iframe-worker``) from a CDN. The shim is vendored under ``docs/assets/vendor/iframe-worker/``
(MIT, npm package ``iframe-worker`` 1.0.4); this hook points every page at that copy, so the
site works on a workstation without internet access.
"""

from __future__ import annotations

from mkdocs.utils import get_relative_url

REMOTE_SHIM = "https://unpkg.com/iframe-worker/shim"
LOCAL_SHIM = "assets/vendor/iframe-worker/shim.js"


def on_post_page(output: str, page, config) -> str:
    return output.replace(REMOTE_SHIM, get_relative_url(LOCAL_SHIM, page.url))


def on_post_template(output: str, template_name: str, config) -> str:
    # The 404 page, rendered from the theme at the top of the site.
    return output.replace(REMOTE_SHIM, LOCAL_SHIM)
