"""The letter kinds this code knows: each is one form, one print template and default settings.

A kelurahan's LetterType rows (name, classification code, online or not) are made from these
on first use and are editable; adding a kind is one entry here, one form and one template.
"""

from __future__ import annotations

from dataclasses import dataclass

from layanan import forms


@dataclass(frozen=True, slots=True)
class LetterKind:
    key: str
    name: str  # default name (Indonesian, editable per kelurahan)
    title: str  # the printed title
    classification: str  # default archive classification, editable per kelurahan
    catalog_slug: str  # the kelurahan.Service this letter answers to
    form: type[forms.LetterForm] | type[forms.KelahiranForm]

    @property
    def template(self) -> str:
        return f"layanan/print/{self.key}.html"


KINDS: dict[str, LetterKind] = {
    kind.key: kind
    for kind in (
        LetterKind(
            "skuter",
            "Surat Keterangan Umum (Skuter)",
            "SURAT KETERANGAN",
            "400.12.2.2",
            "keterangan-umum",
            forms.SkuterForm,
        ),
        LetterKind(
            "domisili",
            "Surat Keterangan Domisili",
            "SURAT KETERANGAN DOMISILI",
            "400.12.2.1",
            "keterangan-domisili",
            forms.DomisiliForm,
        ),
        LetterKind(
            "sktm",
            "Surat Keterangan Tidak Mampu",
            "SURAT KETERANGAN TIDAK MAMPU",
            "400.9.3.3",
            "keterangan-tidak-mampu",
            forms.SktmForm,
        ),
        LetterKind(
            "kematian",
            "Surat Keterangan Kematian",
            "SURAT KETERANGAN KEMATIAN",
            "400.12.3.2",
            "keterangan-kematian",
            forms.KematianForm,
        ),
        LetterKind(
            "kelahiran",
            "Surat Keterangan Kelahiran",
            "SURAT KETERANGAN KELAHIRAN",
            "400.12.3.1",
            "keterangan-kelahiran",
            forms.KelahiranForm,
        ),
        LetterKind(
            "usaha",
            "Surat Keterangan Usaha",
            "SURAT KETERANGAN USAHA",
            "500.2.4",
            "keterangan-usaha",
            forms.UsahaForm,
        ),
    )
}
