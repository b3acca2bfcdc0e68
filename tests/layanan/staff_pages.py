"""The staff screens whose data grows with the resident register, and a register to fill them.

Shared by tests/layanan/test_staff_query_counts.py (queries pinned, and equal at two sizes) and
tests/bench/residents.py (queries and server time with 100 vs 100,000 residents), so both look
at exactly the same pages. Rows are made with bulk_create, not through the services: the point is
many rows fast, shaped like the ones the services and the import make.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from layanan import services
from layanan.models import AccessLog, Letter, LetterEvent, Resident
from layanan.tracking import tracking_code_new
from tests.layanan.helpers import NIK_BUDI, letter_data

State = Letter.State

FIRST_NAMES = (
    "Agus", "Ani", "Bambang", "Dewi", "Eko", "Fitri", "Gunawan", "Hartini", "Indra", "Joko",
    "Kartika", "Lukman", "Mega", "Nur", "Putri", "Rina", "Slamet", "Tri", "Wahyu", "Yuni",
)  # fmt: skip
LAST_NAMES = (
    "Wibowo", "Lestari", "Saputra", "Handayani", "Setiawan", "Rahayu", "Susanto", "Wulandari",
    "Hidayat", "Kurniawan", "Pratama", "Utami", "Nugroho", "Purnomo", "Sari", "Prasetyo",
    "Maharani", "Firmansyah", "Kusuma", "Permata",
)  # fmt: skip
NAME_FRAGMENT = "lestari"  # a family name: one resident in 20, typed in lower case
# Letters go through these states in turn: a sixth of them are online requests waiting.
STATES = (
    State.SUBMITTED,
    State.VERIFIED,
    State.SIGNED,
    State.HANDED_OVER,
    State.REJECTED,
    State.VOID,
)
NUMBERED = (State.SIGNED, State.HANDED_OVER, State.VOID)
LETTER_DAYS = 365  # letters are spread over the last year, one day after another
DATE_RANGE_DAYS = 30  # the archive's date-range filter asks for the last month
BIRTH_DAYS = 25_000  # register NIKs: a birth date among these days, then a serial 0001-9999
LAST_NIK = BIRTH_DAYS * 9_999  # resident_nik(i) for i below this


@dataclass(frozen=True)
class StaffPage:
    """One staff request: a GET by default, or a POST with `data` (the register file)."""

    label: str
    url: str
    data: dict | None = field(default=None, compare=False)
    whole_register: bool = False  # answers with every resident: the benchmark times it less

    def request(self, client):
        """The response, its body read to the end: a streamed export is timed and counted
        whole, not only up to its first chunk."""
        if self.data is None:
            response = client.get(self.url, secure=True)
        else:
            response = client.post(self.url, self.data, secure=True)
        if response.streaming:
            response.content_read = b"".join(response.streaming_content)
        return response


@dataclass(frozen=True)
class Anchors:
    """The rows every size has, so each page asks for the same thing at 100 or 100,000."""

    resident: Resident
    letter: Letter  # verified, as the issue screen leaves it
    online_request: Letter  # submitted online, waiting to be checked


def resident_nik(i: int) -> str:
    """The i-th register NIK (region 33.72.01, Laweyan): valid and distinct for i < LAST_NIK,
    and never NIK_BUDI (born 1995; these are born 1940 to 2008)."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=i % BIRTH_DAYS)
    serial = i // BIRTH_DAYS + 1
    day = born.day + 40 if i % 2 else born.day
    return f"337201{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def resident_row(kelurahan, i: int) -> Resident:
    female = i % 2 == 1
    return Resident(
        kelurahan=kelurahan,
        nik=resident_nik(i),
        kk_number=f"3372010101{i // 4 % 1_000_000:06d}",
        # Every pairing over 400 rows, and each family name once in any 20 rows in a row.
        name=f"{FIRST_NAMES[i % 20]} {LAST_NAMES[(i + i // 20) % 20]}",
        birth_place="Surakarta",
        birth_date=datetime.date(1940, 1, 1) + datetime.timedelta(days=i % BIRTH_DAYS),
        sex=Resident.Sex.FEMALE if female else Resident.Sex.MALE,
        religion="Islam",
        marital_status="Kawin" if i % 3 else "Belum Kawin",
        occupation=("Karyawan Swasta", "Wiraswasta", "Pelajar/Mahasiswa", "Guru")[i % 4],
        address=f"Jl. Slamet Riyadi No. {i % 500 + 1}",
        rt=f"{i % 12 + 1:03d}",
        rw=f"{i % 9 + 1:03d}",
    )


def anchors_create(kelurahan, *, by) -> Anchors:
    """Budi Santoso in the register, a letter issued for him, and an online request."""
    resident = Resident.objects.create(
        kelurahan=kelurahan,
        nik=NIK_BUDI,
        kk_number="3372010101100001",
        name="Budi Santoso",
        birth_place="Surakarta",
        birth_date=datetime.date(1995, 8, 15),
        sex=Resident.Sex.MALE,
        religion="Islam",
        marital_status="Kawin",
        occupation="Karyawan Swasta",
        address="Jl. Slamet Riyadi No. 10",
        rt="003",
        rw="005",
    )
    letter = services.letter_create(kelurahan=kelurahan, kind="skuter", by=by, data=letter_data())
    online_request = Letter.objects.create(
        kelurahan=kelurahan,
        letter_type=letter.letter_type,
        state=State.SUBMITTED,
        nik=NIK_BUDI,
        name="Budi Santoso",
        data=letter_data(),
        tracking_code=tracking_code_new(),
        phone="081234567890",
    )
    LetterEvent.objects.create(
        kelurahan=kelurahan, letter=online_request, from_state="", to_state=State.SUBMITTED
    )
    return Anchors(resident, letter, online_request)


def register_fill(
    kelurahan,
    *,
    by,
    residents: int,
    letters: int,
    access_logs: int,
    start: int = 0,
    batch_size: int = 5_000,
) -> dict[str, int]:
    """Add residents, letters (each with one event) and access-log rows to the kelurahan.

    `start` numbers the rows, so a second call with start = the first call's count adds more
    rows instead of clashing with the first ones (NIKs, letter numbers). Returns what it made.
    """
    Resident.objects.bulk_create(
        (resident_row(kelurahan, i) for i in range(start, start + residents)),
        batch_size=batch_size,
    )
    types = list(services.letter_types_ensure(kelurahan=kelurahan).values())
    today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    made, days = [], {}
    for i in range(start, start + letters):
        state = STATES[i % len(STATES)]
        at = today - datetime.timedelta(days=i % LETTER_DAYS)
        numbered = state in NUMBERED
        resident = resident_row(kelurahan, i)
        letter_type = types[i % len(types)]
        made.append(
            Letter(
                kelurahan=kelurahan,
                letter_type=letter_type,
                state=state,
                nik=resident.nik,
                name=resident.name,
                data=letter_data(nik=resident.nik, name=resident.name, purpose="melamar kerja"),
                created_by=None if state == State.SUBMITTED else by,
                tracking_code=tracking_code_new() if i % 3 == 0 else None,
                year=at.year if numbered else None,
                sequence=i + 1 if numbered else None,
                number=f"{letter_type.classification}/{i + 1:03d}/{kelurahan.code}/{at.year}"
                if numbered
                else "",
                verification_token=secrets.token_urlsafe(32) if numbered else None,
                signed_at=at if numbered else None,
                signed_by=by if numbered else None,
                signer_name="Drs. Slamet Widodo" if numbered else "",
                signer_position="Lurah" if numbered else "",
                pdf=f"letters/{at.year}/{i + 1}.pdf" if numbered else "",
                pdf_sha256="0" * 64 if numbered else "",
                reason="Berkas tidak lengkap" if state in (State.REJECTED, State.VOID) else "",
            )
        )
        days.setdefault(at, []).append(len(made) - 1)
    Letter.objects.bulk_create(made, batch_size=batch_size)
    # created_at is auto_now_add: bulk_create stamps now, so spread the letters afterwards.
    for at, positions in days.items():
        Letter.objects.filter(pk__in=[made[p].pk for p in positions]).update(created_at=at)
    LetterEvent.objects.bulk_create(
        (
            LetterEvent(kelurahan=kelurahan, letter=letter, from_state="", to_state=letter.state)
            for letter in made
        ),
        batch_size=batch_size,
    )
    AccessLog.objects.bulk_create(
        (
            AccessLog(
                kelurahan=kelurahan,
                user=by,
                action=AccessLog.Action.VIEW,
                subject=f"resident {resident_row(kelurahan, i).name}",
            )
            for i in range(start, start + access_logs)
        ),
        batch_size=batch_size,
    )
    return {"residents": residents, "letters": letters, "access-log rows": access_logs}


def operator_pages(anchors: Anchors) -> list[StaffPage]:
    """Every staff screen of an operator whose data grows with the register and the archive."""

    def admin(name: str, *args, **query) -> str:
        url = reverse(f"admin:layanan_{name}", args=args)
        return f"{url}?{urlencode(query)}" if query else url

    today = timezone.localdate()
    since = today - datetime.timedelta(days=DATE_RANGE_DAYS)
    other_nik = resident_nik(LAST_NIK - 1)  # valid, in no register this module fills
    return [
        StaffPage("residents", admin("resident_changelist")),
        StaffPage("residents ?q=<full NIK>", admin("resident_changelist", q=NIK_BUDI)),
        StaffPage(f"residents ?q={NAME_FRAGMENT}", admin("resident_changelist", q=NAME_FRAGMENT)),
        StaffPage("residents ?sex=P", admin("resident_changelist", sex__exact="P")),
        StaffPage("resident page", admin("resident_change", anchors.resident.pk)),
        StaffPage("resident export form", admin("resident_export")),
        StaffPage(
            "resident export CSV (POST)",
            admin("resident_export"),
            data={"format": "0", "resource": "0"},
            whole_register=True,
        ),
        StaffPage("letters", admin("letter_changelist")),
        StaffPage("letters ?q=<full NIK>", admin("letter_changelist", q=NIK_BUDI)),
        StaffPage(f"letters ?q={NAME_FRAGMENT}", admin("letter_changelist", q=NAME_FRAGMENT)),
        StaffPage(
            f"letters, date range {DATE_RANGE_DAYS} days",
            admin(
                "letter_changelist",
                created_at__date__gte=since.isoformat(),
                created_at__date__lte=today.isoformat(),
            ),
        ),
        StaffPage(
            "letters, year (date hierarchy)",
            admin("letter_changelist", created_at__year=today.year),
        ),
        StaffPage("letters ?kind=skuter", admin("letter_changelist", letter_type__kind="skuter")),
        StaffPage(
            "online requests (submitted)",
            admin("letter_changelist", state__exact=State.SUBMITTED),
        ),
        StaffPage("letter page (verified)", admin("letter_change", anchors.letter.pk)),
        StaffPage(
            "letter page (online request)", admin("letter_change", anchors.online_request.pk)
        ),
        StaffPage("issue screen", admin("letter_issue")),
        StaffPage("issue ?nik=<in register>", admin("letter_issue", kind="skuter", nik=NIK_BUDI)),
        StaffPage(
            "issue ?nik=<not in register>", admin("letter_issue", kind="skuter", nik=other_nik)
        ),
        StaffPage("letter register form", admin("letter_register")),
        StaffPage(
            "letter register CSV, this month",
            admin("letter_register", year=today.year, month=today.month, format="csv"),
        ),
        StaffPage("access log", admin("accesslog_changelist")),
        StaffPage("access log ?q=<name>", admin("accesslog_changelist", q=NAME_FRAGMENT)),
    ]


def city_staff_pages() -> list[StaffPage]:
    """Diskominfo's city-wide lists: they add the kelurahan column, so its join is checked too."""
    return [
        StaffPage("city staff: residents", reverse("admin:layanan_resident_changelist")),
        StaffPage("city staff: letters", reverse("admin:layanan_letter_changelist")),
        StaffPage("city staff: access log", reverse("admin:layanan_accesslog_changelist")),
    ]
