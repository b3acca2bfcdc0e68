"""The issue screen's register lookup: the register row of a NIK typed into a person block (a
parent, the reporter, a witness), as JSON, so static/js/letter_nik_fill.js can fill that block.

Only staff who issue letters get an answer, and only from their own kelurahan's register: a NIK
that is not there (another kelurahan's included) answers {"found": false}, the same either way,
and not a 404, which every browser would log as an error on an ordinary "not in the register".
Each row found is written to the access log, as opening the resident's page is; nothing cached.
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kelurahan.tenancy import user_kelurahan_id
from layanan import access, services
from layanan.admin_filters import full_number
from layanan.forms import person_from_resident
from layanan.models import AccessLog


@never_cache
@require_GET
def resident_lookup_view(request):
    """GET ?nik=<16 digits>: {"found": true, "nik", "name", "birth_date", "occupation",
    "address"} of the register row, or {"found": false}; 404 for anything not a NIK and for a
    user who issues no letters. Not wrapped in admin_view: a non-staff user gets 404 too, not a
    login page for a script to read."""
    user = request.user
    if not (user.is_active and user.is_staff and access.may_issue(user)):
        raise Http404
    # Any 16 digits: the register may hold a NIK that parse_nik would question.
    nik = full_number(request.GET.get("nik", ""))
    if nik is None:
        raise Http404
    resident = (
        access.residents_for(user).filter(kelurahan_id=user_kelurahan_id(user), nik=nik).first()
    )
    if resident is None:
        return JsonResponse({"found": False})
    services.access_log_record(
        by=user,
        kelurahan_id=resident.kelurahan_id,
        action=AccessLog.Action.VIEW,
        subject=f"resident {resident.name}",
    )
    person = person_from_resident(resident)
    if person["birth_date"]:
        person["birth_date"] = person["birth_date"].isoformat()
    return JsonResponse({"found": True, **person})
