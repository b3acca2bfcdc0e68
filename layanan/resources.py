"""The import-export resources: the resident register (CSV/XLSX in and out) and the
outgoing-letter register (buku agenda surat keluar, out only).

Columns carry the Indonesian headers operators' own spreadsheets use; each column's cell rules are
in layanan/cells.py (Agama and Status Perkawinan in the register's own spellings,
layanan/register_codes.py), the file readers in layanan/spreadsheets.py. An import belongs to one
kelurahan, given by the admin from the operator's membership: every row is stamped with it, a
"kelurahan" column in the file is ignored, and an existing resident is found by NIK only inside
that kelurahan. Rows are checked one by one so the preview lists every bad row with its reason
("Baris 7: ..."), and an import may take the good rows and hand the bad ones back as a file to fix
(layanan/register_import.py).
The register's CSV export (layanan/exports.py) is streamed from the database with these columns
and cell values, so it imports back.
"""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from layanan.cells import (
    CitizenshipWidget,
    IndonesianDateWidget,
    KKWidget,
    NIKWidget,
    RTRWWidget,
    SexWidget,
    TextWidget,
    cell_digits,
    cell_text,
)
from layanan.models import Letter, Resident
from layanan.nik import mask_nik
from layanan.register_codes import marital_status_of, religion_of

# Rows of the preview that show their values; the rest are counted (a 100,000-row preview page
# would be tens of megabytes of HTML).
PREVIEW_ROWS = 100
# Bad rows listed with their reasons; past these the preview only counts them.
LISTED_ERRORS = 500


def row_reason(validation_error: ValidationError) -> str:
    """A bad row's reasons in one line, each naming its column ("NIK: ...; RT: ...").

    A message that names its column already (most of layanan/cells.py's do) is left as it is.
    """
    parts = []
    for column, messages in validation_error.message_dict.items():
        for message in messages:
            words = column.split("(")[0].strip().lower()  # "Jenis Kelamin (L/P)": its words
            named = column == NON_FIELD_ERRORS or words in message.lower()
            parts.append(message if named else f"{column}: {message}")
    return "; ".join(parts)


def row_line(number: int, reason: str) -> str:
    """A bad row as the operator is told about it: "Baris 7: NIK ..."."""
    return _("Row %(row)d: %(reason)s") % {"row": number, "reason": reason}


class RegisterResult(Result):
    """An import result that keeps what the preview shows and counts the rest.

    The first PREVIEW_ROWS rows and the first LISTED_ERRORS bad rows are kept; totals count every
    row. Without this, 100,000 row results stay in memory until the page is rendered.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unlisted_invalid_rows = 0

    def append_row_result(self, row_result):
        if len(self.rows) < PREVIEW_ROWS:
            super().append_row_result(row_result)

    def append_invalid_row(self, number, row, validation_error):
        if len(self.invalid_rows) < LISTED_ERRORS:
            super().append_invalid_row(number, row, validation_error)
            self.invalid_rows[-1].line = row_line(number, row_reason(validation_error))
        else:
            self.unlisted_invalid_rows += 1


class KelurahanNIKLoader(BaseInstanceLoader):
    """Finds existing residents by NIK in the importing kelurahan only, a window at a time.

    Rows are asked for in file order, so the residents of the next CHUNK rows of the file are
    loaded in one query when a row outside the current window comes up: a few queries for the
    whole file, and never more than CHUNK residents in memory. (SQLite also limits the number of
    query parameters.)
    """

    CHUNK = 2000

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.window = {}
        self.positions = {}  # NIK -> its first row in the file (0-based)
        self.niks = []
        column = resource.fields["nik"].column_name
        if dataset is None or column not in (dataset.headers or []):
            return
        values = dataset.column(column) if hasattr(dataset, "column") else dataset[column]
        for value in values:
            nik = cell_digits(value)
            self.positions.setdefault(nik, len(self.niks))
            self.niks.append(nik)

    def get_instance(self, row):
        nik = cell_digits(row.get(self.resource.fields["nik"].column_name))
        if not nik or nik not in self.positions:
            return None
        if nik not in self.window:
            start = self.positions[nik]
            wanted = set(self.niks[start : start + self.CHUNK]) - {""}
            self.window = dict.fromkeys(wanted)
            for resident in self.resource.get_queryset().filter(nik__in=wanted):
                self.window[resident.nik] = resident
        return self.window[nik]


class RegisterListWidget(TextWidget):
    """Agama or Status Perkawinan: a usual spelling or SIAK code ("katholik", "2", "BELUM
    KAWIN") is stored as the register spells it (layanan/register_codes.py), so the letter forms
    find it in their lists. Anything else is kept as typed, not refused: the register may hold
    words the lists do not ("Janda" is cerai hidup or cerai mati), and the operator decides on the
    letter form."""

    def __init__(self, *, spelling, **kwargs):
        super().__init__(**kwargs)
        self.spelling = spelling

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        return self.spelling(text) or text


def _field(attribute: str, column: str, widget: widgets.Widget) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widget)


# Operators' spreadsheets spell headers in many ways; these map, after lowercasing and dropping
# everything but letters and digits, to our column names.
HEADER_ALIASES = {
    "nokk": "No KK",
    "nomorkk": "No KK",
    "kk": "No KK",
    "nama": "Nama",
    "namalengkap": "Nama",
    "tempatlahir": "Tempat Lahir",
    "tanggallahir": "Tanggal Lahir",
    "tgllahir": "Tanggal Lahir",
    "jeniskelamin": "Jenis Kelamin (L/P)",
    "jeniskelaminlp": "Jenis Kelamin (L/P)",
    "jk": "Jenis Kelamin (L/P)",
    "lp": "Jenis Kelamin (L/P)",
    "agama": "Agama",
    "statusperkawinan": "Status Perkawinan",
    "statuskawin": "Status Perkawinan",
    "pekerjaan": "Pekerjaan",
    "kewarganegaraan": "Kewarganegaraan",
    "alamat": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "nik": "NIK",
}


def _header_key(header) -> str:
    return re.sub(r"[^0-9a-z]", "", cell_text(header).lower())


class ResidentResource(resources.ModelResource):
    """The resident register of one kelurahan, with the columns of operators' spreadsheets.

    `kelurahan` is required to import (rows are stamped with it, existing residents are looked up
    in it); exporting takes whatever queryset the admin gives (already scoped to the user).
    """

    nik = _field("nik", "NIK", NIKWidget())
    kk_number = _field("kk_number", "No KK", KKWidget())
    name = _field("name", "Nama", TextWidget(label="Nama", max_length=150, required=True))
    birth_place = _field(
        "birth_place", "Tempat Lahir", TextWidget(label="Tempat Lahir", max_length=100)
    )
    birth_date = _field("birth_date", "Tanggal Lahir", IndonesianDateWidget())
    sex = _field("sex", "Jenis Kelamin (L/P)", SexWidget())
    religion = _field(
        "religion",
        "Agama",
        RegisterListWidget(label="Agama", max_length=30, spelling=religion_of),
    )
    marital_status = _field(
        "marital_status",
        "Status Perkawinan",
        RegisterListWidget(label="Status Perkawinan", max_length=30, spelling=marital_status_of),
    )
    occupation = _field("occupation", "Pekerjaan", TextWidget(label="Pekerjaan", max_length=100))
    citizenship = _field("citizenship", "Kewarganegaraan", CitizenshipWidget())
    address = _field("address", "Alamat", TextWidget(label="Alamat", max_length=255))
    rt = _field("rt", "RT", RTRWWidget(label="RT"))
    rw = _field("rw", "RW", RTRWWidget(label="RW"))

    class Meta:
        model = Resident
        fields = (
            "nik",
            "kk_number",
            "name",
            "birth_place",
            "birth_date",
            "sex",
            "religion",
            "marital_status",
            "occupation",
            "citizenship",
            "address",
            "rt",
            "rw",
        )
        import_id_fields = ("nik",)
        instance_loader_class = KelurahanNIKLoader
        # One INSERT/UPDATE per 1,000 rows instead of one per row, and no deep copy or HTML diff
        # per row: what makes 100,000 rows take seconds, not many minutes.
        use_transactions = True  # all or nothing: a failed batch rolls the whole import back
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        # Instances are not kept in each row's result (memory); the admin logs one summary entry.
        store_instance = False
        report_skipped = False

    PROGRESS_EVERY = 500  # rows between two progress reports of a background import

    def __init__(self, kelurahan=None, progress=None, bad_rows=None, **kwargs):
        super().__init__(**kwargs)
        self.kelurahan = kelurahan
        self.progress = progress  # called with the number of rows read so far
        # Given the rows that fail their checks, with the reason (register_import.BadRows).
        self.bad_rows = bad_rows
        self._seen = {}  # NIK -> the first row of the file that has it
        self._no_nik_column = False

    def get_result_class(self):
        return RegisterResult

    def get_queryset(self):
        if self.kelurahan is None:
            return Resident.objects.none()
        return Resident.objects.for_kelurahan(self.kelurahan)

    def before_import(self, dataset, **kwargs):
        if self.kelurahan is None:
            raise ValueError(_("Residents can only be imported into a kelurahan."))
        self._seen = {}
        # Known headers in any spelling become ours; others (a "kelurahan" column, say) are
        # left as they are and ignored, because no field reads them.
        dataset.headers = [
            HEADER_ALIASES.get(_header_key(header), header) for header in dataset.headers or []
        ]
        if self.bad_rows is not None:
            self.bad_rows.start(dataset)
        self._no_nik_column = self.fields["nik"].column_name not in dataset.headers
        if self._no_nik_column:
            # Said here, in the operator's words: import-export's own message is English and
            # each row would add one more.
            columns = ", ".join(field.column_name for field in self.get_import_fields())
            raise ValueError(
                _(
                    "The file has no NIK column. Its first row must hold the column names "
                    "(%(columns)s); download the example file to see them."
                )
                % {"columns": columns}
            )

    def import_row(self, row, instance_loader, **kwargs):
        # The admin asks to keep every instance for its log; that is 100,000 objects in memory.
        kwargs.pop("retain_instance_in_row_result", None)
        if self._no_nik_column or all(cell_text(value) == "" for value in row.values()):
            blank = self.get_row_result_class()()
            blank.import_type = RowResult.IMPORT_TYPE_SKIP  # a blank line, not a resident
            return blank
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.bad_rows is not None and row_result.validation_error:
            self.bad_rows.add(kwargs["row_number"], row, row_reason(row_result.validation_error))
        if self.progress and kwargs["row_number"] % self.PROGRESS_EVERY == 0:
            self.progress(kwargs["row_number"])
        if kwargs["row_number"] <= PREVIEW_ROWS and not row_result.validation_error:
            row_result.diff = [cell_text(row.get(column)) for column in self.get_diff_headers()]
        return row_result

    def import_instance(self, instance, row, **kwargs):
        """Field errors keyed by the file's column name (what the operator sees), plus a NIK that
        appears twice in the file (both rows would be the same resident)."""
        errors = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as exc:
                errors[field.column_name] = ValidationError(force_str(exc), code="invalid")
        if "NIK" not in errors:
            row_number = kwargs.get("row_number")
            first = self._seen.setdefault(instance.nik, row_number)
            if first != row_number:
                errors["NIK"] = ValidationError(
                    _("This NIK is also in row %(row)d of the file; keep only one of the two.")
                    % {"row": first},
                    code="duplicate",
                )
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance.kelurahan = self.kelurahan  # never from the file

    def _values(self, instance) -> tuple:
        return tuple(getattr(instance, name) for name in self.UPDATED)

    UPDATED = Meta.fields[1:]  # everything but the NIK, which identifies the row

    def after_init_instance(self, instance, new, row, **kwargs):
        # What an existing resident looks like before the file's values land on it, so an
        # unchanged row can be skipped (skip_diff's deep copy per row costs far more).
        instance._before_import = None if new else self._values(instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        before = getattr(instance, "_before_import", None)
        return (
            not import_validation_errors and before is not None and before == self._values(instance)
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """One plain UPDATE per changed resident, in the import's transaction.

        Django's bulk_update builds a CASE WHEN per field per row; for 13 columns that costs about
        2 ms of Python per row (over 3 minutes for 100,000 rows), several times one UPDATE each.
        """
        if not self.update_instances or not (using_transactions or not dry_run):
            return
        try:
            residents = Resident.objects.for_kelurahan(self.kelurahan)
            for instance in self.update_instances:
                values = dict(zip(self.UPDATED, self._values(instance), strict=True))
                residents.filter(pk=instance.pk).update(**values)
        except Exception as exc:  # reported like import-export's own bulk errors
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()


class LetterRegisterResource(resources.ModelResource):
    """Buku agenda surat keluar: numbered letters (signed, handed over or void), oldest first.

    The file leaves the system, so the NIK is masked.
    """

    row = fields.Field(column_name="No")
    number = fields.Field(attribute="number", column_name="Nomor Surat")
    date = fields.Field(column_name="Tanggal")
    letter_type = fields.Field(attribute="letter_type__name", column_name="Jenis Surat")
    name = fields.Field(attribute="name", column_name="Nama")
    nik = fields.Field(column_name="NIK")
    purpose = fields.Field(column_name="Keperluan")
    signer = fields.Field(column_name="Penanda Tangan")
    state = fields.Field(column_name="Status")

    STATES = (Letter.State.SIGNED, Letter.State.HANDED_OVER, Letter.State.VOID)

    class Meta:
        model = Letter
        fields = (
            "row",
            "number",
            "date",
            "letter_type",
            "name",
            "nik",
            "purpose",
            "signer",
            "state",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._count = 0

    @classmethod
    def register_queryset(cls, queryset):
        """The register's letters from an already scoped queryset, in number order."""
        return (
            queryset.filter(state__in=cls.STATES)
            .select_related("letter_type")
            .order_by("kelurahan_id", "year", "sequence")
        )

    def dehydrate_row(self, letter):
        self._count += 1
        return self._count

    def dehydrate_date(self, letter):
        return timezone.localtime(letter.signed_at).strftime("%d-%m-%Y") if letter.signed_at else ""

    def dehydrate_nik(self, letter):
        return mask_nik(letter.nik)

    def dehydrate_purpose(self, letter):
        return (letter.data or {}).get("purpose", "")

    def dehydrate_signer(self, letter):
        position = " ".join(filter(None, [letter.signer_capacity, letter.signer_position]))
        return f"{letter.signer_name} ({position})" if position else letter.signer_name

    def dehydrate_state(self, letter):
        return force_str(letter.get_state_display())
