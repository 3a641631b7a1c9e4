"""Who may act in the portal: users, organisations, memberships (roles), delegations, audit log."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.limits import text_field
from portal.validators import validate_orgnr


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the login; roles come from memberships."""

    class NoticeChoice(models.TextChoices):
        """How someone at IMDi wants to hear of events in the calls they follow (grants.notices)."""

        IMMEDIATELY = "immediately", _("Med en gang, én e-post for hver hendelse")
        DIGEST = "digest", _("Én e-post om dagen med gårsdagens hendelser")

    email = models.EmailField(_("e-post"), unique=True)
    full_name = models.CharField(_("fullt navn"), max_length=200)
    # Shown in letters: the caseworker's title and phone in the letterhead and the signature block.
    title = models.CharField(_("stillingstittel"), max_length=200, blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("tilgang til administrasjonen"), default=False)
    date_joined = models.DateTimeField(_("registrert"), default=timezone.now)
    notice_choice = models.CharField(
        _("varsler fra portalen"), max_length=12, choices=NoticeChoice.choices, default=NoticeChoice.IMMEDIATELY
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_choice__in=["immediately", "digest"]), name="user_notice_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", _("Fylkeskommune")
        DIRECTORATE = "directorate", _("Direktorat")
        MINISTRY = "ministry", _("Departement")

    class WrittenStandard(models.TextChoices):
        BOKMAL = "nb", _("Bokmål")
        NYNORSK = "nn", _("Nynorsk")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("navn"), max_length=200, unique=True)
    orgnr = models.CharField(_("organisasjonsnummer"), max_length=9, unique=True, validators=[validate_orgnr])
    written_standard = models.CharField(
        _("målform i brev"),
        max_length=2,
        choices=WrittenStandard.choices,
        default=WrittenStandard.BOKMAL,
        help_text=_("Skriftspråket vedtak og brev til organisasjonen skal bruke."),
    )
    postal_address = text_field(_("postadresse"), help_text=_("Adressen brev sendes til."))
    letter_email = models.EmailField(_("e-post for brev"))

    class Meta:
        verbose_name = _("organisasjon")
        verbose_name_plural = _("organisasjoner")
        # By the bokmål name in every language: ``name`` is translated (portal.translation), and ordering
        # by it in nynorsk would sort by ``name_nn``, empty for every county.
        ordering = ["name_nb"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["county", "directorate", "ministry"]), name="organisation_kind_valid"
            ),
            models.CheckConstraint(condition=Q(written_standard__in=["nb", "nn"]), name="organisation_standard_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_county(self) -> bool:
        return self.kind == self.Kind.COUNTY


class Role(models.TextChoices):
    COUNTY_STAFF = "county_staff", _("Saksbehandler i fylkeskommunen")
    COUNTY_DIRECTOR = "county_director", _("Fylkeskommunedirektør")
    CASEWORKER = "caseworker", _("Saksbehandler i IMDi")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Revisor")


COUNTY_ROLES = frozenset({Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR})
IMDI_ROLES = frozenset({Role.CASEWORKER, Role.ADMIN, Role.AUDITOR})
# The organisation kind each role belongs to.
ROLE_KIND = {
    Role.COUNTY_STAFF: Organisation.Kind.COUNTY,
    Role.COUNTY_DIRECTOR: Organisation.Kind.COUNTY,
    Role.CASEWORKER: Organisation.Kind.DIRECTORATE,
    Role.ADMIN: Organisation.Kind.DIRECTORATE,
    Role.AUDITOR: Organisation.Kind.DIRECTORATE,
}


class Membership(models.Model):
    """A user's role in an organisation. A user may hold several and picks one to act in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("bruker")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organisasjon")
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.organisation}"

    def clean(self):
        if self.organisation_id and self.role and self.organisation.kind != ROLE_KIND[Role(self.role)]:
            raise ValidationError(
                {
                    "role": _("Rollen %(role)s passer ikke for denne typen organisasjon.")
                    % {"role": self.get_role_display()}
                }
            )

    @property
    def is_imdi(self) -> bool:
        return self.role in IMDI_ROLES

    @property
    def is_county(self) -> bool:
        return self.role in COUNTY_ROLES


class DelegationQuerySet(models.QuerySet):
    def valid_at(self, moment):
        """Fullmakter that held at ``moment``: in their period and not yet revoked then."""
        return self.filter(valid_from__lte=moment, valid_to__gt=moment).filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=moment)
        )


class Delegation(models.Model):
    """The county director's fullmakt to another member of the county to confirm applications."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="delegations")
    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given", verbose_name=_("gitt av")
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_held", verbose_name=_("gitt til")
    )
    valid_from = models.DateTimeField(_("gyldig fra"))
    valid_to = models.DateTimeField(_("gyldig til"))
    reason = text_field(_("begrunnelse"))
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("trukket tilbake"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DelegationQuerySet.as_manager()

    MAX_PERIOD = timedelta(days=5 * 366)  # a fullmakt holds for at most five years

    class Meta:
        verbose_name = _("fullmakt")
        verbose_name_plural = _("fullmakter")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gt=models.F("valid_from")), name="delegation_period_valid"),
            models.CheckConstraint(condition=~Q(grantor=models.F("grantee")), name="delegation_not_to_self"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="delegation_revocation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.grantee} ({self.organisation})"

    def is_valid_at(self, moment) -> bool:
        not_revoked = self.revoked_at is None or self.revoked_at > moment
        return not_revoked and self.valid_from <= moment < self.valid_to

    @property
    def last_day(self):
        """The last day the fullmakt holds (``valid_to`` itself is the first moment it no longer does)."""
        return timezone.localtime(self.valid_to - timedelta(microseconds=1)).date()

    @property
    def is_valid_now(self) -> bool:
        return self.is_valid_at(timezone.now())

    @property
    def status_label(self) -> str:
        now = timezone.now()
        if self.revoked_at:
            return _("Trukket tilbake")
        if now < self.valid_from:
            return _("Ikke gyldig ennå")
        if now >= self.valid_to:
            return _("Utløpt")
        return _("Gyldig")


class AuditEvent(models.Model):
    """One thing someone did. Append-only: the database refuses UPDATE and DELETE (PostgreSQL)."""

    at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("utført av"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("på vegne av")
    )
    role = models.CharField(_("rolle"), max_length=20, blank=True)
    action = models.CharField(_("handling"), max_length=80)
    object_type = models.CharField(_("objekttype"), max_length=100, blank=True)
    object_id = models.CharField(_("objekt-id"), max_length=64, blank=True)
    object_repr = models.CharField(_("objekt"), max_length=300, blank=True)
    subject_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saken gjelder"),
    )
    from_state = models.CharField(_("fra status"), max_length=40, blank=True)
    to_state = models.CharField(_("til status"), max_length=40, blank=True)
    changes = models.JSONField(_("endringer"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)

    class Meta:
        verbose_name = _("hendelse")
        verbose_name_plural = _("hendelseslogg")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
            models.Index(fields=["-at", "-id"], name="audit_newest_first_idx"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")
