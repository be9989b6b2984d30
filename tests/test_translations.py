"""Every Dutch catalog is complete and its compiled .mo matches the .po (both committed,
because a fresh machine has no gettext to compile them)."""

import gettext
from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
CATALOGS = sorted(
    p for p in BASE_DIR.glob("**/locale/nl/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def test_there_is_a_dutch_catalog_for_the_core():
    assert BASE_DIR / "locale/nl/LC_MESSAGES/django.po" in CATALOGS


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_catalog_is_fully_translated_and_compiled(po_path):
    catalog = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    with po_path.with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, "run `make messages`"
