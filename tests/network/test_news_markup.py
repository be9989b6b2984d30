"""The news update's simple formatting: the subset renders, and nothing the author types becomes
markup of its own — in the page or in either part of the e-mail."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from network.news.markup import is_web_address, render_html, render_text

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[klik](https://example.org/"onmouseover="alert(1))',
    "[klik](https://example.org/x'onmouseover='alert(1))",
    "**<b>vet</b>**",
    "<svg/onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!-- commentaar --><iframe src=https://evil.example></iframe>",
    "- <style>body{display:none}</style>",
    "## <h1>kop</h1>",
]
OWN_TAGS = re.compile(r"</?(p|br|strong|em|ul|ol|li|h2|a)( href=\"[^\"<>]*\")?>")


def tags(html: str) -> list[str]:
    return re.findall(r"<[^>]*>", html)


def test_the_subset_renders():
    html = render_html(
        "## Nieuws\n\nDit is **vet** en *schuin* en _ook schuin_.\nNieuwe regel.\n\n"
        "- een\n- twee\n\n1. eerste\n2. tweede\n\nZie [de site](https://pos.nl/a_b_c?x=1&y=2)."
    )
    assert "<h2>Nieuws</h2>" in html
    assert "<strong>vet</strong>" in html
    assert "<em>schuin</em>" in html
    assert "<em>ook schuin</em>" in html
    assert "Dit is" in html
    assert "<br>Nieuwe regel." in html
    assert "<ul><li>een</li><li>twee</li></ul>" in html
    assert "<ol><li>eerste</li><li>tweede</li></ol>" in html
    # Emphasis never reaches into an address; its "&" is escaped inside the attribute.
    assert '<a href="https://pos.nl/a_b_c?x=1&amp;y=2">de site</a>' in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_injected_markup_reaches_the_html(payload):
    html = render_html(f"Tekst\n\n{payload}\n\n**{payload}**")
    assert all(OWN_TAGS.fullmatch(tag) for tag in tags(html)), tags(html)
    assert "javascript:" not in re.sub(r"[^<>]*(?=<|$)", "", html).lower()
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("https://", "http://"))
        assert "<" not in href
        assert '"' not in href


@given(st.text(max_size=300))
def test_any_text_gives_only_the_subsets_own_tags(text):
    html = render_html(text)
    assert all(OWN_TAGS.fullmatch(tag) for tag in tags(html)), tags(html)
    # Well nested: the tags close in the order they were opened.
    stack = []
    for tag in tags(html):
        name = re.match(r"</?(\w+)", tag).group(1)
        if name == "br":
            continue
        if tag.startswith("</"):
            assert stack, html
            assert stack.pop() == name, html
        else:
            stack.append(name)
    assert not stack, html


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://pos.nl/", True),
        ("http://pos.nl/x", True),
        ("javascript:alert(1)", False),
        ("ftp://pos.nl/", False),
        ("https:///nohost", False),
        ("//pos.nl", False),
        ("mailto:info@pos.nl", False),
    ],
)
def test_only_http_and_https_addresses_are_links(url, ok):
    assert is_web_address(url) is ok


def test_the_plain_text_version_keeps_the_words_and_shows_the_address():
    text = render_text("## Kop\n\nDit is **vet**.\n\n- [site](https://pos.nl)")
    assert text == "KOP\n\nDit is vet.\n\n- site (https://pos.nl)"
