"""Issue "Done when": "`Vary: HX-Request` on every response that differs for htmx." A view that
answers an htmx request with a fragment must say so, or a cache (the browser's back/forward
cache included) can show a fragment as a page. The test finds every view whose code branches
on htmx and requests it both ways."""

from __future__ import annotations

import ast
import functools
import inspect
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from sportloket.constants import Role

BRANCHES_ON_HTMX = re.compile(r"is_htmx|HX-Request|request\.htmx|htmx_template_name\s*=\s*\"")


@functools.cache
def _class_sources(filename: str) -> dict[str, str]:
    """Every class of a module by qualified name, decorators included, from one parse of the
    file (``inspect.getsource`` parses the whole module again for each class)."""
    with open(filename, encoding="utf-8") as file:
        lines = file.read().splitlines(keepends=True)
    sources = {}

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                sources[prefix + child.name] = "".join(lines[first - 1 : child.end_lineno])
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, prefix + child.name + ".<locals>.")

    visit(ast.parse("".join(lines)))
    return sources


@functools.cache
def _own_source(item) -> str:
    """One class's or function's source; the project's base classes recur in the MRO of most
    views, so each is read once."""
    module = getattr(item, "__module__", "") or ""
    if module.startswith(("django.", "builtins", "axes", "two_factor", "django_")):
        return ""
    try:
        if inspect.isclass(item):
            return _class_sources(inspect.getsourcefile(item))[item.__qualname__]
        return inspect.getsource(item)
    except (OSError, TypeError, KeyError):
        return ""


def _source(callback) -> str:
    """The source of a view and of its project base classes (not Django's)."""
    target = getattr(callback, "view_class", None) or callback
    classes = inspect.getmro(target) if inspect.isclass(target) else (target,)
    return "\n".join(filter(None, (_own_source(item) for item in classes)))


@functools.cache
def _htmx_routes() -> tuple[str, ...]:
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if BRANCHES_ON_HTMX.search(_source(pattern.callback)):
                    found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    return tuple(dict.fromkeys(found))


def htmx_routes() -> list[str]:
    """Routes (full patterns) whose view branches on htmx; the URLconf is walked once per
    process (at collection for the parameters, then by the test that counts them)."""
    return list(_htmx_routes())


def test_views_that_branch_on_htmx_are_found():
    assert len(htmx_routes()) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("route", htmx_routes())
def test_every_view_that_branches_on_htmx_says_vary_hx_request(client, route, world):
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
