"""``manage.py restore <folder>`` (``make restore BACKUP=<folder>``): a backup made by ``backup`` into the
database and the private storage the settings name, which must both be empty (README.md, "Drift:
sikkerhetskopi og gjenoppretting").

1. The manifest is checked before anything is touched: every part present, with its size and SHA-256,
   and nothing in ``files/`` that it does not list. ``--verify-only`` stops here.
2. The backup's migrations must all be known to this code (a backup is never restored into an older
   portal), and the target must be empty: a database with tables, or a storage with files, is refused
   unless ``--replace`` is given, which empties both first.
3. The database: pg_restore in one transaction, the objects owned by the portal's own database user
   (``--no-owner --no-acl``); or the SQLite file copied. Migrations newer than the backup are applied.
4. The files, under their stored names.
5. A check of the result: every file a row names is in the storage, and where the row records the
   file's SHA-256 (receipts, letters, uploads), the file has that SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from portal.management.commands.backup import (
    CHUNK,
    FILES,
    FORMAT,
    MANIFEST,
    postgres_program,
    run_program,
    safe_part,
    sha256_of,
    sqlite_copy,
    stored_names,
)

SHOWN = 10  # problems listed in an error


def _refuse(what: str, problems: list[str]) -> None:
    if problems:
        more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise CommandError(f"{what}:\n  " + "\n  ".join(problems[:SHOWN]) + more)


# --- 1. The manifest ---------------------------------------------------------------------------


def manifest_verify(folder: Path) -> dict:
    """The backup's manifest, once every part is checked against it; a CommandError listing what
    does not match otherwise."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{folder} is not a backup: cannot read its {MANIFEST} ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise CommandError(f"{folder}: unknown backup format {manifest.get('format')!r}.")
    parts = manifest["parts"]
    if manifest["database"]["part"] not in parts:
        raise CommandError(f"{folder}: the manifest lists no database part.")
    problems = []
    for name, expected in parts.items():
        path = folder / safe_part(name)
        if path.is_symlink() or not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != expected["size"] or sha256_of(path) != expected["sha256"]:
            problems.append(f"{name}: changed since the backup (size or SHA-256 differs)")
    found = {str(path.relative_to(folder)) for path in (folder / FILES).rglob("*") if not path.is_dir()}
    problems += [f"{name}: not in the manifest" for name in sorted(found - set(parts))]
    _refuse(f"The backup in {folder} does not match its manifest; nothing was restored", problems)
    return manifest


# --- 2. Before restoring -----------------------------------------------------------------------


def migrations_check(manifest: dict) -> None:
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = [migration for migration in manifest["database"]["migrations"] if migration not in known]
    _refuse("The backup was made by a newer version of the portal (restore it with that version)", unknown)


def target_empty(storage: Storage) -> list[str]:
    """What the target already holds (nothing, for a restore)."""
    held = []
    tables = connection.introspection.table_names()
    if tables:
        held.append(f"the database {connection.settings_dict['NAME']} has {len(tables)} tables")
    files = stored_names(storage)
    if files:
        held.append(f"the private storage has {len(files)} files")
    return held


def target_clear(storage: Storage) -> None:
    """``--replace``: drop everything in the database and delete every stored file."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        connection.close()
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
    for name in stored_names(storage):
        storage.delete(name)


# --- 3.–4. Restoring ---------------------------------------------------------------------------


def database_restore(folder: Path, manifest: dict) -> None:
    vendor, dump = manifest["database"]["vendor"], folder / manifest["database"]["part"]
    if vendor != connection.vendor:
        raise CommandError(f"The backup holds a {vendor} database; DATABASE_URL names a {connection.vendor} one.")
    if vendor == "postgresql":
        program = postgres_program("pg_restore")
        command = [program, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", str(dump)]
        run_program(command, connection.settings_dict)
    else:
        connection.close()
        sqlite_copy(dump, Path(connection.settings_dict["NAME"]))
    connection.close()  # what this process knew of the empty database is stale
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def files_restore(folder: Path, manifest: dict, storage: Storage) -> int:
    count = 0
    for part in manifest["parts"]:
        path = safe_part(part)
        if path.parts[0] != FILES:
            continue
        name = str(path.relative_to(FILES))
        with (folder / path).open("rb") as stream:
            saved = storage.save(name, File(stream, name=name))
        if saved != name:
            raise CommandError(f"The storage stored {name} as {saved}: is it really empty?")
        count += 1
    return count


# --- 5. The check ------------------------------------------------------------------------------


def recorded_sha256(model, field: models.FileField) -> str | None:
    """The field that records the SHA-256 of ``field``'s file, by the models' naming: ``file`` and
    ``sha256``, ``receipt`` and ``receipt_sha256``, ``accounts_file`` and ``accounts_sha256``."""
    names = {f.name for f in model._meta.get_fields()}
    candidates = [f"{field.name}_sha256", field.name.removesuffix("_file") + "_sha256"]
    if field.name == "file":
        candidates.append("sha256")
    return next((name for name in candidates if name in names), None)


def stored_sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_check(storage: Storage) -> tuple[int, int, list[str]]:
    """(files the database names, of them checked against a recorded SHA-256, problems)."""
    named = checked = 0
    problems = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in (f for f in model._meta.concrete_fields if isinstance(f, models.FileField)):
            sha_field = recorded_sha256(model, field)
            rows = model._base_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True})
            for pk, name, digest in rows.values_list("pk", field.name, sha_field or field.name):
                named += 1
                where = f"{model._meta.label} {pk} {field.name}"
                if not storage.exists(name):
                    problems.append(f"{where}: {name} is missing")
                elif sha_field and digest:
                    checked += 1
                    if stored_sha256(storage, name) != digest:
                        problems.append(f"{where}: {name} does not have the SHA-256 the database records")
    return named, checked, problems


class Command(BaseCommand):
    help = "Restore a backup (a folder made by `backup`) into an empty database and an empty private storage."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="the backup's folder, e.g. var/backups/20261203-021500")
        parser.add_argument(
            "--replace", action="store_true", help="empty the database and the private storage first (destroys them)"
        )
        parser.add_argument("--verify-only", action="store_true", help="check the backup against its manifest only")

    def handle(self, *args, folder: Path, replace: bool = False, verify_only: bool = False, **options):
        manifest = manifest_verify(folder)
        self.stdout.write(f"{folder}: all {len(manifest['parts'])} parts match the manifest.")
        if verify_only:
            return
        migrations_check(manifest)
        storage = default_storage
        if replace:
            target_clear(storage)
        _refuse(
            "The target is not empty (use --replace to empty it first, destroying what it holds)", target_empty(storage)
        )
        database_restore(folder, manifest)
        restored = files_restore(folder, manifest, storage)
        named, checked, problems = files_check(storage)
        _refuse("Restored, but the files do not match the database", problems)
        self.stdout.write(
            f"Restored the database and {restored} files; the database names {named} files, all present, "
            f"{checked} of them with the SHA-256 it records."
        )
