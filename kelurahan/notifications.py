"""The staff invitation e-mail, as a background task: its one-time link's token is made here, at
sending, and only its hash is stored, so the token exists nowhere but in the e-mail (not in the
invitation row, not in the task queue's arguments). Apart from kelurahan/tasks.py so that
services can queue it without an import circle."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kelurahan import background, hosts
from kelurahan.models import StaffInvitation

INVITATION_HOURS = 72


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@background.task(queue="mail", priority=5)
def staff_invitation_mail(*, key: str, invitation_id: int) -> None:
    """Send the invitation's link, at most once per key. A fresh token is made on each try and
    its hash saved in the same transaction as the sending: a try whose SMTP call fails leaves no
    link behind, the retry sends a new one, and the link expires INVITATION_HOURS after it left.
    An invitation replaced or used meanwhile is not sent."""
    with background.once(key) as run:
        if run is None:
            return
        invitation = (
            StaffInvitation.objects.select_for_update(of=("self",))
            .select_related("kelurahan")
            .filter(pk=invitation_id, accepted_at=None)
            .first()
        )
        if invitation is None:
            return
        token = secrets.token_urlsafe(32)
        invitation.token_hash = token_hash(token)
        invitation.expires_at = timezone.now() + datetime.timedelta(hours=INVITATION_HOURS)
        invitation.save(update_fields=["token_hash", "expires_at"])
        subject, body = invitation_email(invitation, token)
        send_mail(subject, body, None, [invitation.email], fail_silently=False)


def invitation_link(token: str) -> str:
    """The accept page's address on the portal's configured host (never a request's Host)."""
    return hosts.portal_base_url() + reverse("portal:staff_invitation", args=[token])


def invitation_email(invitation: StaffInvitation, token: str) -> tuple[str, str]:
    """Subject and plain-text body, in the portal's language (Indonesian)."""
    with translation.override(settings.LANGUAGE_CODE):
        place = (
            str(invitation.kelurahan)
            if invitation.kelurahan
            else ", ".join(city.name for city in invitation.cities.all())
        )
        values = {
            "name": invitation.full_name,
            "portal": settings.PORTAL_NAME,
            "role": invitation.role,
            "place": place,
            "url": invitation_link(token),
            "hours": INVITATION_HOURS,
            "until": date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"),
        }
        subject = _("Invitation to a staff account on %(portal)s") % values
        body = (
            _(
                "Hello %(name)s,\n\n"
                "You have been invited to a staff account on %(portal)s as %(role)s "
                "(%(place)s).\n\n"
                "Open this link to choose your password:\n%(url)s\n\n"
                "The link works once and expires in %(hours)d hours (%(until)s). If it has "
                "expired, ask Diskominfo to send a new invitation. If you did not expect this "
                "e-mail, you can ignore it: no account is made until the link is used.\n"
            )
            % values
        )
    return subject, body
