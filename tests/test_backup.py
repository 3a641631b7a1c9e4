"""Backup and restore (``make backup``, ``make restore``; portal/management/commands/backup.py and
restore.py): a backup restores into a fresh database and a fresh storage with every file as the
database records it, the audit log whole and still append-only, and the portal serving it; a backup
that does not match its manifest, or a target that is not empty, is refused before anything is touched."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from grants.models import Application, CooperationAgreement, Letter, PartnerKind, Submission
from portal.management.commands import backup as backup_command
from portal.models import AuditEvent, Organisation
from tests.conftest import build_cast
from tests.drills.services import database_url
from tests.grants import helpers_cases as h

ROOT = Path(__file__).resolve().parent.parent
PRIVATE = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="make backup/restore run in processes of their own, which cannot see SQLite's in-memory test database",
)


def make(target: str, tmp_path: Path, database: str, private: Path, **variables: str) -> str:
    """``make <target>`` as an operator runs it, with the portal's production settings (DEBUG off);
    the virtualenv is taken as installed (-o)."""
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    environment |= {
        "DATABASE_URL": database,
        "PRIVATE_FILES_DIR": str(private),
        "VAR_DIR": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "backup-drill-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "localhost",
        "EMAIL_HOST": "localhost",
    }
    arguments = [f"{name}={value}" for name, value in variables.items()]
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", target, f"PY={sys.executable}", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as database:
        return database.execute(query).fetchall()


@pytest.fixture
def fresh_database():
    """An empty database next to the test database, dropped after the test."""
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    admin_url = database_url(connection.settings_dict, name="postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(connection.settings_dict, name=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def read_in_the_portal(database: str, private: Path, email: str, paths: list[str]) -> dict:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.drills.settings",
        "DATABASE_URL": database,
        "PRIVATE_FILES_DIR": str(private),
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.drills.portal_reads", email, *paths],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


RECORDED = [  # (table, file column, SHA-256 column): every kind of file the drill makes
    (Submission._meta.db_table, "receipt", "receipt_sha256"),
    (CooperationAgreement._meta.db_table, "file", "sha256"),
    (Letter._meta.db_table, "file", "sha256"),
]


@on_postgresql
def test_a_backup_restores_into_a_fresh_database_with_every_file_intact(transactional_db, tmp_path, fresh_database):
    cast = build_cast()
    decision = h.decided(cast, h.submitted_case(cast, organisation=cast.county_b))  # the letter: made on approval
    letter = h.issued(decision)
    submission = decision.case.application.current_submission()
    assert letter.status == Letter.Status.READY and submission.receipt_status == Submission.ReceiptStatus.READY
    source = database_url(connection.settings_dict)

    made = make("backup", tmp_path, source, PRIVATE)
    folder = Path(re.search(r"^Backup: (.+)$", made, re.MULTILINE).group(1))
    assert folder.parent == tmp_path / "backups"
    restored_files = tmp_path / "restored-files"
    said = make("restore", tmp_path, fresh_database, restored_files, BACKUP=str(folder))
    assert "all present" in said

    # Every stored file has the SHA-256 that the restored database records for it, and is the one backed up.
    for table, file_column, sha_column in RECORDED:
        recorded = rows(
            fresh_database, f"SELECT id, {file_column}, {sha_column} FROM {table} WHERE {file_column} <> ''"
        )
        assert recorded == rows(
            source, f"SELECT id, {file_column}, {sha_column} FROM {table} WHERE {file_column} <> ''"
        )
        for _id, name, digest in recorded:
            assert hashlib.sha256((restored_files / name).read_bytes()).hexdigest() == digest, (table, name)
    counts = {table: len(rows(fresh_database, f"SELECT 1 FROM {table}")) for table, _f, _s in RECORDED}
    assert counts == {
        Submission._meta.db_table: 1,
        CooperationAgreement._meta.db_table: len(PartnerKind),
        Letter._meta.db_table: 1,
    }

    # The audit log is whole, and the restored database still refuses to change it.
    audit = AuditEvent._meta.db_table
    everything = f"SELECT * FROM {audit} ORDER BY id"
    assert rows(fresh_database, everything) == rows(source, everything) != []
    for statement in (f"UPDATE {audit} SET action = action", f"DELETE FROM {audit}"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            rows(fresh_database, statement)

    # The portal serves the restored data: the county's receipt and letter, byte for byte.
    application = Application.objects.get(pk=decision.case.application_id)
    receipt_url = reverse("submission_receipt", args=[application.pk, submission.number])
    letter_url = reverse("letter_file", args=[application.pk, decision.pk])
    detail_url = reverse("application_detail", args=[application.pk])
    served = read_in_the_portal(
        fresh_database, restored_files, cast.staff_b.email, [receipt_url, letter_url, detail_url]
    )
    assert served[receipt_url]["status"] == 200 and served[receipt_url]["sha256"] == submission.receipt_sha256
    assert served[letter_url]["status"] == 200 and served[letter_url]["sha256"] == letter.sha256
    assert served[detail_url]["status"] == 200 and application.reference in served[detail_url]["text"]


# --- Refusals ----------------------------------------------------------------------------------


@pytest.fixture
def backup_folder(db, tmp_path, settings, monkeypatch):
    """A backup of the test database and a small private storage of its own, made in process. SQLite's
    test database lives in memory, where no other connection can copy it: there the database part is
    a stand-in (these tests are about what restore refuses; the drill above restores a real dump)."""
    storage = tmp_path / "private"
    (storage / "kvitteringer").mkdir(parents=True)
    (storage / "kvitteringer" / "a.pdf").write_bytes(b"%PDF-1.4 a")
    (storage / "b.pdf").write_bytes(b"%PDF-1.4 b")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": storage}},
    }
    if connection.vendor == "sqlite":

        def stand_in(folder: Path) -> str:
            (folder / "database.sqlite3").write_bytes(b"SQLite format 3\x00")
            return "database.sqlite3"

        monkeypatch.setattr(backup_command, "dump_database", stand_in)
    call_command("backup", into=tmp_path / "backups", stdout=io.StringIO())
    (folder,) = (tmp_path / "backups").iterdir()
    return folder


def test_restore_refuses_a_backup_that_does_not_match_its_manifest(backup_folder):
    (backup_folder / "files" / "kvitteringer" / "a.pdf").write_bytes(b"%PDF-1.4 changed")
    (backup_folder / "files" / "b.pdf").unlink()
    (backup_folder / "files" / "smuggled.pdf").write_bytes(b"%PDF-1.4 c")
    organisations = Organisation.objects.count()

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup_folder), verify_only=True)

    message = str(refused.value)
    assert "does not match its manifest; nothing was restored" in message
    assert "files/kvitteringer/a.pdf: changed since the backup" in message
    assert "files/b.pdf: missing" in message
    assert "files/smuggled.pdf: not in the manifest" in message
    assert Organisation.objects.count() == organisations


def test_restore_refuses_a_target_that_is_not_empty(backup_folder, cast):
    organisations = Organisation.objects.count()
    with pytest.raises(CommandError, match="The target is not empty .*--replace"):
        call_command("restore", str(backup_folder), stdout=io.StringIO())
    assert Organisation.objects.count() == organisations


def test_restore_refuses_a_backup_from_a_newer_portal(backup_folder, cast):
    manifest_path = backup_folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["database"]["migrations"].append("grants.9999_from_the_future")
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"newer version of the portal(.|\n)*grants.9999_from_the_future"):
        call_command("restore", str(backup_folder), stdout=io.StringIO())


def test_a_backup_can_be_read_by_its_owner_only(backup_folder):
    for path in [backup_folder, *backup_folder.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path
    manifest = json.loads((backup_folder / "manifest.json").read_text())
    assert set(manifest["parts"]) >= {"files/kvitteringer/a.pdf", "files/b.pdf"}
