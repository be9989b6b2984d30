"""Fill msgstr of a gettext catalog from a Python dict of translations, then compile it.

    python scripts/po_fill.py providers/locale/nl/LC_MESSAGES/django.po my_translations.py

The translations file defines ``T = {"English msgid": "Nederlandse vertaling", ...}``; for
plural entries give a tuple ``(singular, plural)``. Prints the msgids still untranslated.
Compiling with polib needs no GNU gettext, so this works on a fresh machine.
"""

import runpy
import sys

import polib


def main(po_path: str, translations_path: str) -> int:
    translations = runpy.run_path(translations_path)["T"]
    catalog = polib.pofile(po_path)
    for entry in catalog:
        value = translations.get(entry.msgid)
        if value is None:
            continue
        if entry.msgid_plural:
            singular, plural = value
            entry.msgstr_plural = {0: singular, 1: plural}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalog.save(po_path)
    catalog.save_as_mofile(po_path[:-3] + ".mo")
    missing = [e.msgid for e in catalog.untranslated_entries()]
    for msgid in missing:
        print("untranslated:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
