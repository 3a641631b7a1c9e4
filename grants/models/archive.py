"""The archive (arkivlova, arkivforskrifta, Noark 5): every case has a case number and a case folder
(saksmappe), every document that comes in or goes out is a journal entry (journalpost) with its
documents (dokumentbeskrivelse and dokumentobjekt), and the journal is public with personal data
screened (offentleglova §§ 10, 13).

- ``ArchiveCounter`` hands out the numbers without gaps: one row per kind and year, locked with
  ``select_for_update`` by ``grants.services.journal`` while a number is taken, so concurrent cases
  in one year wait for each other and none gets a number twice or skips one.
- ``CaseFolder`` is the case as the archive knows it: ``2025/00012``, its title and public title, the
  administrative unit and the class (the scheme's archive code). Its status follows the case.
- ``JournalEntry`` is one registered document in a case: ``2025/00012-3``, type I/U/N/X, its dates,
  sender or recipient, access code and legal basis when screened, and its status.
- ``JournalDocument`` is one stored file of an entry, with its format, size and SHA-256. The file is
  the one the stage already stored (a receipt, a letter, an upload): the entry points at it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models.cases import Case
from portal.limits import text_field
from portal.models import Organisation

USER = settings.AUTH_USER_MODEL

# The formats the National Archives accept for deposit (arkivforskrifta / riksarkivarens forskrift § 5-17):
# the portal's own PDFs are PDF/A; uploads keep their original format and are marked as such.
ARCHIVAL_FORMATS = frozenset({"PDF/A-1b", "PDF/A-2b", "PDF/A-2u", "PDF/A-3b", "ODT", "PNG", "JPEG", "TXT", "XML"})


class ArchiveCounter(models.Model):
    """The last number handed out of one kind in one year (``case``: the case numbers, ``journal``:
    the journal's running number). Locked while a number is taken: no gaps, none twice."""

    class Kind(models.TextChoices):
        CASE = "case", _("saksnummer")
        JOURNAL = "journal", _("journalnummer")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="archive_counter_one_per_kind_year")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class CaseFolder(models.Model):
    """The case as the archive knows it (saksmappe): IMDi's case number ``YYYY/NNNNN``."""

    class Status(models.TextChoices):
        OPEN = "B", _("Under behandling")
        CLOSED = "A", _("Avsluttet")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="folder", verbose_name=_("sak"))
    year = models.PositiveSmallIntegerField(_("saksår"))
    sequence = models.PositiveIntegerField(_("sekvensnummer"))
    title = models.CharField(_("tittel"), max_length=500)
    # The title with persons' names screened: what the public journal shows.
    public_title = models.CharField(_("offentlig tittel"), max_length=500)
    admin_unit = models.CharField(_("administrativ enhet"), max_length=200)
    # The class (klasse) the case is filed under: the scheme's archive code when the case was opened.
    archive_code = models.CharField(_("arkivkode"), max_length=60, blank=True)
    opened_on = models.DateField(_("saksdato"))
    # How many journal entries the case has: the next entry's document number follows it.
    last_document = models.PositiveIntegerField(default=0)
    system_id = models.UUIDField(_("system-ID"), unique=True)

    class Meta:
        verbose_name = _("saksmappe")
        verbose_name_plural = _("saksmapper")
        ordering = ["year", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="case_number_once"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="case_sequence_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.year}/{self.sequence:05d}"

    @property
    def status(self) -> str:
        return self.Status.CLOSED if self.case.state == Case.State.CLOSED else self.Status.OPEN

    @property
    def responsible(self):
        """The responsible caseworker: the one the case is assigned to."""
        return self.case.assigned_to


class JournalEntryQuerySet(models.QuerySet):
    def public(self):
        """What the public journal lists: every entry but notes not to be journaled (X)."""
        return self.exclude(type=JournalEntry.Type.NOTE)

    def for_listing(self):
        return self.select_related("folder").only(
            "id",
            "number",
            "type",
            "title",
            "public_title",
            "journal_date",
            "document_date",
            "correspondent_name",
            "correspondent_screened",
            "access_code",
            "legal_basis",
            "status",
            "folder__id",
            "folder__year",
            "folder__sequence",
            "folder__public_title",
            "folder__title",
        )


class JournalEntry(models.Model):
    """One registered document of a case (journalpost)."""

    class Type(models.TextChoices):
        INCOMING = "I", _("Inngående dokument")
        OUTGOING = "U", _("Utgående dokument")
        INTERNAL = "N", _("Organinternt dokument for oppfølging")
        NOTE = "X", _("Organinternt dokument uten oppfølging")

    class Status(models.TextChoices):
        REGISTERED = "J", _("Journalført")
        DISPATCHED = "E", _("Ekspedert")
        ARCHIVED = "A", _("Arkivert")
        WRITTEN_OFF = "F", _("Avskrevet")

    class AccessCode(models.TextChoices):
        OPEN = "", _("Offentlig")
        PERSONAL = "P", _("Personopplysninger")
        INTERNAL = "U", _("Organinternt")

    class WriteOff(models.TextChoices):
        NONE = "", _("Ikke avskrevet")
        REPLIED = "BU", _("Besvart med brev")
        NOTED = "TE", _("Tatt til etterretning")
        TO_FILE = "TO", _("Tatt til orientering")

    folder = models.ForeignKey(CaseFolder, on_delete=models.PROTECT, related_name="entries", verbose_name=_("sak"))
    number = models.PositiveIntegerField(_("dokumentnummer"))
    journal_year = models.PositiveSmallIntegerField(_("journalår"))
    journal_sequence = models.PositiveIntegerField(_("journalsekvensnummer"))
    type = models.CharField(_("journalposttype"), max_length=1, choices=Type.choices)
    # What in the portal the entry registers ("submission:12", "letter:4"): one entry per thing.
    source = models.CharField(max_length=60, unique=True)
    title = models.CharField(_("tittel"), max_length=500)
    public_title = models.CharField(_("offentlig tittel"), max_length=500)
    journal_date = models.DateField(_("journaldato"))
    document_date = models.DateField(_("dokumentets dato"), null=True, blank=True)
    correspondent_name = models.CharField(_("avsender/mottaker"), max_length=300)
    correspondent = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("organisasjon")
    )
    correspondent_email = models.EmailField(_("e-post til avsender/mottaker"), blank=True)
    # A private person's name is screened on the public journal (offentleglova § 13).
    correspondent_screened = models.BooleanField(_("avsender/mottaker skjermet"), default=False)
    access_code = models.CharField(_("tilgangskode"), max_length=2, choices=AccessCode.choices, blank=True)
    legal_basis = models.CharField(_("hjemmel for skjerming"), max_length=200, blank=True)
    status = models.CharField(_("journalstatus"), max_length=1, choices=Status.choices, default=Status.REGISTERED)
    written_off = models.CharField(_("avskrivningsmåte"), max_length=2, choices=WriteOff.choices, blank=True)
    written_off_on = models.DateField(_("avskrivningsdato"), null=True, blank=True)
    written_off_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("avskrevet av")
    )
    caseworker = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("saksbehandler")
    )
    # A request for access (innsynskrav): the entry asked for, and what the requester wrote.
    requested_entry = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="access_requests"
    )
    note = text_field(_("merknad"), blank=True)
    registered_at = models.DateTimeField(_("registrert"), auto_now_add=True)
    system_id = models.UUIDField(_("system-ID"), unique=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("journalpost")
        verbose_name_plural = _("journalposter")
        ordering = ["folder", "number"]
        constraints = [
            models.UniqueConstraint(fields=["folder", "number"], name="journal_document_number_once"),
            models.UniqueConstraint(fields=["journal_year", "journal_sequence"], name="journal_sequence_once"),
            models.CheckConstraint(condition=Q(type__in=["I", "U", "N", "X"]), name="journal_type_known"),
            models.CheckConstraint(
                condition=Q(access_code="") | ~Q(legal_basis=""), name="journal_screened_has_legal_basis"
            ),
            models.CheckConstraint(
                condition=Q(status="F", written_off__gt="", written_off_on__isnull=False) | ~Q(status="F"),
                name="journal_written_off_says_how",
            ),
        ]
        indexes = [models.Index(fields=["journal_date", "id"], name="journal_by_date")]

    def __str__(self) -> str:
        return self.document_number

    @property
    def document_number(self) -> str:
        return f"{self.folder.number}-{self.number}"

    @property
    def public_correspondent(self) -> str:
        return "" if self.correspondent_screened else self.correspondent_name

    @property
    def screened(self) -> bool:
        return bool(self.access_code)


class JournalDocument(models.Model):
    """One stored file of a journal entry: the main document or an attachment."""

    class Role(models.TextChoices):
        MAIN = "H", _("Hoveddokument")
        ATTACHMENT = "V", _("Vedlegg")

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="documents")
    number = models.PositiveSmallIntegerField(_("dokumentnummer"))
    role = models.CharField(_("tilknyttet som"), max_length=1, choices=Role.choices)
    title = models.CharField(_("tittel"), max_length=500)
    # The file the stage stored (the same storage name): the archive keeps no second copy.
    file = models.FileField(_("fil"), max_length=200)
    original_name = models.CharField(_("filnavn"), max_length=255)
    format = models.CharField(_("format"), max_length=40)
    archival = models.BooleanField(_("arkivformat"), default=False)
    size = models.PositiveBigIntegerField(_("størrelse (byte)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    system_id = models.UUIDField(_("system-ID"), unique=True)

    class Meta:
        verbose_name = _("journaldokument")
        verbose_name_plural = _("journaldokumenter")
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="journal_document_once"),
            models.UniqueConstraint(fields=["entry", "file"], name="journal_file_once_per_entry"),
        ]

    def __str__(self) -> str:
        return self.title


class ArchiveExtractJob(models.Model):
    """An archive extract an admin ordered from the portal: written by a Celery task into a directory
    on the server (``grants.archive.jobs``), as ``manage.py archive_extract`` writes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Venter")
        RUNNING = "running", _("Lages")
        DONE = "done", _("Ferdig")
        FAILED = "failed", _("Feilet")

    scheme = models.ForeignKey(
        "grants.Scheme", on_delete=models.PROTECT, related_name="+", verbose_name=_("tilskuddsordning")
    )
    first_year = models.PositiveSmallIntegerField(_("fra og med år"))
    last_year = models.PositiveSmallIntegerField(_("til og med år"))
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("bestilt av"))
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(_("startet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)
    directory = models.CharField(_("katalog på serveren"), max_length=500, blank=True)
    folders = models.PositiveIntegerField(_("saksmapper"), null=True, blank=True)
    entries = models.PositiveIntegerField(_("journalposter"), null=True, blank=True)
    documents = models.PositiveIntegerField(_("dokumenter"), null=True, blank=True)
    error = text_field(_("feil"), blank=True)

    class Meta:
        verbose_name = _("arkivuttrekk")
        verbose_name_plural = _("arkivuttrekk")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_year__gte=models.F("first_year")), name="extract_years_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.first_year}–{self.last_year}"
