"""Deployment-wide switches that Diskominfo controls from the admin."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecuritySettings(models.Model):
    """The one row (id 1) of security switches for the whole deployment.

    Read through `security_settings()`; a database without the row reads as the defaults.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    two_factor_required = models.BooleanField(
        _("two-factor login required for all staff"),
        default=False,
        help_text=_(
            "When on, every staff account must confirm its login with a 6-digit code from an "
            "authenticator app. Staff without one are asked to set it up at their next login."
        ),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("security settings")
        verbose_name_plural = _("security settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="securitysettings_single_row")
        ]

    def __str__(self):
        return str(_("Security settings"))


class RateLimitCounter(models.Model):
    """One rate-limit window's count (portal/ratelimit.py): kept in the database, not in Redis,
    so counters survive a Redis outage and are never evicted to make room for cached pages."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")

    def __str__(self):
        return self.key
