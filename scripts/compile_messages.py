#!/usr/bin/env python3
"""Compile locale/*/LC_MESSAGES/*.po into .mo without GNU gettext.

``manage.py compilemessages`` needs ``msgfmt``; this does the same for the
catalogues this project has (plural forms and contexts included), so a machine
without gettext can still rebuild them. Usage: ``python scripts/compile_messages.py [--check]``;
``--check`` exits 1 when a committed .mo differs from its .po.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_po(text: str) -> dict[str, str]:
    """.mo key → .mo value for the entries of a .po file (fuzzy and untranslated ones skipped).

    As in GNU .mo files, a context is joined to its msgid by EOT (``\\x04``), and a plural
    entry's key is ``msgid NUL msgid_plural`` and its value the ``msgstr[n]`` joined by NUL.
    """
    catalogue: dict[str, str] = {}
    for block in text.split("\n\n"):
        fuzzy = False
        fields: dict[str, list[str]] = {}
        current: str | None = None
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[")):
                current, _, rest = line.partition(" ")
                fields[current] = [ast.literal_eval(rest)]
            elif line.startswith('"') and current is not None:
                fields[current].append(ast.literal_eval(line))
            else:
                raise ValueError(f"unsupported .po line: {line!r}")
        if "msgid" not in fields:
            continue
        msgid = "".join(fields["msgid"])
        if "msgid_plural" in fields:
            forms = sorted((k for k in fields if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
            values = ["".join(fields[k]) for k in forms]
            msgid += "\0" + "".join(fields["msgid_plural"])
            msgstr = "\0".join(values) if values and all(values) else ""
        else:
            msgstr = "".join(fields.get("msgstr", []))
        if "msgctxt" in fields:
            msgid = "".join(fields["msgctxt"]) + "\x04" + msgid
        if msgstr and (not fuzzy or msgid == ""):
            catalogue[msgid] = msgstr
    return catalogue


def build_mo(catalogue: dict[str, str]) -> bytes:
    """The GNU .mo bytes (little-endian, no hash table) for ``catalogue``."""
    keys = sorted(catalogue)
    ids = [k.encode("utf-8") for k in keys]
    strs = [catalogue[k].encode("utf-8") for k in keys]
    count = len(keys)
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    id_offsets, str_offsets, data = [], [], b""
    for value in ids:
        id_offsets.append((len(value), data_start + len(data)))
        data += value + b"\0"
    for value in strs:
        str_offsets.append((len(value), data_start + len(data)))
        data += value + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, data_start)
    out += b"".join(struct.pack("<2I", *pair) for pair in id_offsets)
    out += b"".join(struct.pack("<2I", *pair) for pair in str_offsets)
    return out + data


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_bytes = build_mo(parse_po(po.read_text(encoding="utf-8")))
        mo = po.with_suffix(".mo")
        if check:
            import gettext
            import io

            current = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))._catalog if mo.exists() else {}  # type: ignore[attr-defined]
            wanted = gettext.GNUTranslations(io.BytesIO(mo_bytes))._catalog  # type: ignore[attr-defined]
            # The header ("" entry) differs harmlessly between msgfmt and this script.
            current.pop("", None)
            wanted.pop("", None)
            if current != wanted:
                stale.append(str(mo.relative_to(ROOT)))
        else:
            mo.write_bytes(mo_bytes)
            print(f"compiled {mo.relative_to(ROOT)}")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
