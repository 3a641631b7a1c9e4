"""``manage.py backup`` (``make backup``): the portal's database and its private files, in a new folder
``<VAR_DIR>/backups/<date>-<time>/`` with a manifest of every part's SHA-256 (README.md, "Drift:
sikkerhetskopi og gjenoppretting").

    database.dump     PostgreSQL's custom format (pg_dump), or database.sqlite3 for the embedded SQLite
    files/...         every file in the private storage (uploads, receipts, letters, exports), as stored
    manifest.json     for each part its size and SHA-256, and the migrations the database has

The database is dumped first (one consistent snapshot), then the files are copied: a file is written
before the row that names it is committed, so every file the dump refers to is in the copy. The folder
appears under its final name only when it is complete, and only its owner can read it (personal data).

A management command rather than a shell script: the database and the storage are where the settings
say (DATABASE_URL, PRIVATE_FILES_DIR or S3_BUCKET), read by the same code that runs the portal.
``restore`` (the other half) shares the manifest's helpers below.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from psycopg import pq
from psycopg.conninfo import make_conninfo

MANIFEST = "manifest.json"
FORMAT = 1
FILES = "files"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
PRIVATE = 0o700


# --- Shared with ``restore`` -----------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def safe_part(name: str) -> PurePosixPath:
    """A manifest's part name as a relative path that stays inside the backup folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise CommandError(f"The manifest names a part outside the backup folder: {name!r}.")
    return path


def stored_names(storage: Storage, folder: str = "") -> list[str]:
    """Every file in ``storage`` (its names, sorted), through the storage's own API (disk or S3)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a storage folder that was never made holds nothing
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_names(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def libpq_connection(database: dict) -> tuple[str, dict[str, str]]:
    """What points pg_dump/pg_restore at a Django database entry: a conninfo string (with the entry's
    libpq options, such as sslmode) and an environment with the password (never on a command line)."""
    known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    options = {key: value for key, value in database.get("OPTIONS", {}).items() if key in known and key != "options"}
    conninfo = make_conninfo(
        "",
        dbname=database["NAME"],
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        **options,
    )
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    return conninfo, environment


def postgres_program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def run_program(command: list[str], database: dict) -> None:
    """Run pg_dump or pg_restore; its own message on failure."""
    conninfo, environment = libpq_connection(database)
    result = subprocess.run(  # noqa: S603 - a fixed program; the arguments come from the settings
        [*command, "--dbname", conninfo],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def applied_migrations() -> list[str]:
    """The database's applied migrations, as ``app.name``."""
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


# --- Making a backup ---------------------------------------------------------------------------


def dump_database(folder: Path) -> str:
    """The database into ``folder``; the part's name."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise CommandError(f"Cannot back up a {vendor} database.")
    target = folder / DUMPS[vendor]
    if vendor == "postgresql":
        run_program([postgres_program("pg_dump"), "--format=custom", "--file", str(target)], connection.settings_dict)
    else:
        sqlite_copy(Path(connection.settings_dict["NAME"]), target)
    return target.name


def sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup, through a connection of its own (a consistent copy while the portal runs)."""
    if not source.is_file():
        raise CommandError(f"There is no SQLite database file at {source}.")
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def copy_files(storage: Storage, folder: Path) -> list[str]:
    """Every stored file into ``folder/files/``, by its stored name; the parts' names."""
    parts = []
    for name in stored_names(storage):
        target = folder / FILES / safe_part(name)
        target.parent.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        parts.append(f"{FILES}/{name}")
    return parts


def write_manifest(folder: Path, database_part: str, file_parts: list[str]) -> str:
    """manifest.json for the parts in ``folder``; its own SHA-256."""
    manifest = {
        "format": FORMAT,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": {"vendor": connection.vendor, "part": database_part, "migrations": applied_migrations()},
        "parts": {
            name: {"size": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}
            for name in [database_part, *file_parts]
        },
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sha256_of(path)


def backup_create(into: Path, storage: Storage = default_storage) -> tuple[Path, str, dict]:
    """A complete backup in a new folder under ``into``: (its path, the manifest's SHA-256, counts)."""
    into.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    name = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    while (into / name).exists():
        name = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    partial = into / f".{name}.partial"
    previous_umask = os.umask(0o077)
    try:
        partial.mkdir(mode=PRIVATE)
        database_part = dump_database(partial)
        file_parts = copy_files(storage, partial)
        digest = write_manifest(partial, database_part, file_parts)
        partial.rename(into / name)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        os.umask(previous_umask)
    return into / name, digest, {"files": len(file_parts)}


class Command(BaseCommand):
    help = "Back up the database and the private files into a new folder under VAR_DIR/backups/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--into", type=Path, help="the folder to make the backup in (default: VAR_DIR/backups)", default=None
        )

    def handle(self, *args, into: Path | None = None, **options):
        folder, digest, counts = backup_create(into or Path(settings.VAR_DIR) / "backups")
        self.stdout.write(f"Backup: {folder}")
        self.stdout.write(f"  the {connection.vendor} database and {counts['files']} files")
        self.stdout.write(f"  manifest.json SHA-256 {digest} (keep it apart from the backup to prove it unchanged)")
