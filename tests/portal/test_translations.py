"""The Indonesian catalog is complete, compiled, and actually used by default."""

from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    """(msgid, [msgstr...], flags) per entry of a .po file; a small parser for our own file."""
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"') and current:
                fields[current] += line[1:-1]
                continue
            key, _, value = line.partition(" ")
            current = key
            fields[key] = value[1:-1]
        if "msgid" in fields:
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            yield fields["msgid"], strs, flags


def test_every_message_has_an_indonesian_translation():
    entries = [e for e in _entries(PO.read_text(encoding="utf-8")) if e[0]]
    assert len(entries) > 100
    missing = [msgid for msgid, strs, _ in entries if not all(strs)]
    fuzzy = [msgid for msgid, _, flags in entries if "fuzzy" in flags]
    assert missing == []
    assert fuzzy == []


def test_the_compiled_catalog_is_shipped():
    mo = PO.with_suffix(".mo")
    assert mo.exists()
    assert mo.stat().st_size > 1000


def test_pages_speak_indonesian_by_default(client, kelurahan_a):
    response = client.get(kelurahan_a.get_absolute_url() + "layanan/")
    assert 'lang="id"' in response.content.decode()
    assert "Persyaratan" in response.content.decode()
