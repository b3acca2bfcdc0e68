"""Staff looking at personal data leaves a trace: letter pages and PDF downloads are logged."""

from django.urls import reverse

from layanan.models import AccessLog


def test_opening_a_letter_page_is_logged_with_who_and_what(client, operator_a, signed_letter):
    client.force_login(operator_a)

    client.get(reverse("admin:layanan_letter_change", args=[signed_letter.pk]))

    entry = AccessLog.objects.get()
    assert (entry.user, entry.kelurahan_id, entry.action) == (
        operator_a,
        signed_letter.kelurahan_id,
        AccessLog.Action.VIEW,
    )
    assert signed_letter.number in entry.subject


def test_downloading_a_pdf_is_logged(client, operator_a, signed_letter):
    client.force_login(operator_a)

    response = client.get(reverse("layanan:letter_pdf", args=[signed_letter.pk]))

    assert response.status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD, user=operator_a).count() == 1


def test_a_refused_look_at_another_kelurahans_letter_logs_nothing(
    client, operator_b, signed_letter
):
    client.force_login(operator_b)

    client.get(reverse("admin:layanan_letter_change", args=[signed_letter.pk]))
    client.get(reverse("layanan:letter_pdf", args=[signed_letter.pk]))

    assert not AccessLog.objects.exists()


def test_operators_read_their_own_kelurahans_log_only(
    client, operator_a, operator_b, signed_letter
):
    client.force_login(operator_a)
    client.get(reverse("admin:layanan_letter_change", args=[signed_letter.pk]))
    client.force_login(operator_b)

    response = client.get(reverse("admin:layanan_accesslog_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == []


def test_opening_a_resident_record_is_logged(client, operator_a, kelurahan_a):
    from layanan.models import Resident

    resident = Resident.objects.create(
        kelurahan=kelurahan_a, nik="3372011508900001", name="Budi Santoso"
    )
    client.force_login(operator_a)

    response = client.get(reverse("admin:layanan_resident_change", args=[resident.pk]))

    assert response.status_code == 200
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, subject__contains="Budi Santoso"
    ).exists()


def test_exporting_the_resident_register_is_logged(client, operator_a):
    client.force_login(operator_a)

    response = client.post(reverse("admin:layanan_resident_export"), {"format": "0"})

    assert response.status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=operator_a).exists()


def test_a_diskominfo_export_is_logged_for_each_kelurahan_in_the_file(
    client, diskominfo, kelurahan_a, kelurahan_b
):
    from layanan.models import Resident

    for kelurahan, nik in ((kelurahan_a, "3372011708900001"), (kelurahan_b, "3372015708900002")):
        Resident.objects.create(kelurahan=kelurahan, nik=nik, name="Warga")
    client.force_login(diskominfo)

    response = client.post(reverse("admin:layanan_resident_export"), {"format": "0"})

    assert response.status_code == 200
    logged = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=diskominfo)
    assert sorted(logged.values_list("kelurahan_id", flat=True)) == sorted(
        [kelurahan_a.pk, kelurahan_b.pk]
    )
    assert all("city-wide" in entry.subject for entry in logged)
