"""The news update's simple formatting: a small Markdown subset rendered safe by construction.

The author's text is HTML-escaped *first*; the subset is then recognised in the escaped text,
and only this module's own tags are added. No tag, attribute or entity the author typed can
reach a page or an e-mail unescaped, whatever they type (tested with injection payloads).

The subset, per block (blocks are separated by an empty line):

- ``## Heading`` — a heading;
- lines that all start with ``- `` or ``* `` — a bulleted list; ``1. `` — a numbered list;
- anything else — a paragraph, a single line break kept as a line break.

Inline: ``**bold**``, ``*italic*`` or ``_italic_``, and ``[text](https://…)`` links. A link
whose address is not ``http``/``https`` stays plain text (no ``javascript:``, ``data:``, …).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
STRONG = re.compile(r"\*\*([^*\n]+?)\*\*")
# Italic content holds no asterisk and no tag: an italic span is always whole.
EM_STAR = re.compile(r"(?<![\w*])\*(?![\s*])([^*<>\n]+?)(?<!\s)\*(?![\w*])")
EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?![\s_])([^_<>\n]+?)(?<!\s)_(?![\w_])")
BULLET = re.compile(r"^[-*] +(.*)$")
NUMBERED = re.compile(r"^\d{1,3}[.)] +(.*)$")
HEADING = re.compile(r"^#{1,6} +(.*)$")


def is_web_address(url: str) -> bool:
    """True for an absolute http(s) address with a host: the only links the update makes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _emphasis(escaped: str) -> str:
    escaped = EM_STAR.sub(r"<em>\1</em>", escaped)
    escaped = EM_UNDERSCORE.sub(r"<em>\1</em>", escaped)
    return STRONG.sub(r"<strong>\1</strong>", escaped)


def _inline(escaped: str) -> str:
    """Emphasis and links in one escaped line; emphasis never reaches into an address."""
    out, position = [], 0
    for match in LINK.finditer(escaped):
        label, address = match.group(1), match.group(2)
        out.append(_emphasis(escaped[position : match.start()]))
        if is_web_address(html.unescape(address)):
            out.append(f'<a href="{address}">{_emphasis(label)}</a>')
        else:
            out.append(_emphasis(match.group(0)))
        position = match.end()
    out.append(_emphasis(escaped[position:]))
    return "".join(out)


def _blocks(text: str) -> list[list[str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _list(block: list[str], pattern: re.Pattern[str]) -> list[str] | None:
    items = [pattern.match(line) for line in block]
    if not all(items):
        return None
    return [item.group(1) for item in items]


def render_html(text: str) -> SafeString:
    """The update's text as HTML: escaped, with the subset's tags only."""
    parts = []
    for block in _blocks(escape(text)):
        if len(block) == 1 and (heading := HEADING.match(block[0])):
            parts.append(f"<h2>{_inline(heading.group(1))}</h2>")
        elif (items := _list(block, BULLET)) is not None:
            parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        elif (items := _list(block, NUMBERED)) is not None:
            parts.append("<ol>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ol>")
        else:
            parts.append("<p>" + "<br>".join(_inline(line) for line in block) + "</p>")
    return mark_safe("\n".join(parts))  # noqa: S308 - built from escaped text and own tags


def render_text(text: str) -> str:
    """The update's text for the plain-text e-mail: the subset's marks taken out, a link as
    "text (address)"; not HTML (the e-mail's text part is never rendered as HTML)."""
    out = []
    for block in _blocks(text):
        lines = []
        for line in block:
            line = LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", line)
            line = HEADING.sub(lambda m: m.group(1).upper(), line)
            line = line.replace("**", "")
            lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out)
