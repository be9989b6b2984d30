"""Issue "Done when": "`Vary: HX-Request` on every response that differs for htmx." A view that
answers an htmx request with a fragment must say so, or a cache (the browser's back/forward
cache included) can show a fragment as a page. The test finds every view whose code branches
on htmx and requests it both ways."""

from __future__ import annotations

import inspect
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from sportloket.constants import Role

from .world import build_world

BRANCHES_ON_HTMX = re.compile(r"is_htmx|HX-Request|request\.htmx|htmx_template_name\s*=\s*\"")


def _source(callback) -> str:
    """The source of a view and of its project base classes (not Django's)."""
    target = getattr(callback, "view_class", None) or callback
    parts = []
    classes = inspect.getmro(target) if inspect.isclass(target) else (target,)
    for item in classes:
        module = getattr(item, "__module__", "") or ""
        if module.startswith(("django.", "builtins", "axes", "two_factor", "django_")):
            continue
        try:
            parts.append(inspect.getsource(item))
        except (OSError, TypeError):
            continue
    return "\n".join(parts)


def htmx_routes() -> list[str]:
    """Routes (full patterns) whose view branches on htmx."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if BRANCHES_ON_HTMX.search(_source(pattern.callback)):
                    found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    return list(dict.fromkeys(found))


def test_views_that_branch_on_htmx_are_found():
    assert len(htmx_routes()) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("route", htmx_routes())
def test_every_view_that_branches_on_htmx_says_vary_hx_request(client, route):
    world = build_world()
    client.force_login(world.users[Role.ADMINISTRATOR.value])
    url = world.url(route)
    for method in ("get", "post"):
        for headers in ({}, {"HX-Request": "true"}):
            response = getattr(client, method)(url, headers=headers)
            vary = [v.strip().lower() for v in response.get("Vary", "").split(",")]
            assert "hx-request" in vary, f"{method.upper()} {url} {headers}: Vary {vary}"


@pytest.mark.django_db
def test_pages_refusals_and_public_pages_say_vary_hx_request_too(client):
    for url in ("/account/login/", "/bestaat-niet/", "/hulpvraag/"):
        assert "HX-Request" in client.get(url)["Vary"]
