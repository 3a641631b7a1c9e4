"""Settings for the processes a drill starts (a Celery worker, a web server, a check of a restored
database): the project's own settings, read from the environment the drill gives them, with

- static files served as they are (no ``collectstatic`` manifest: DEBUG stays off, so that error
  pages are the portal's own and not Django's debug page);
- e-mail written to files in DRILL_MAIL_DIR, where the drill counts what was sent;
- with DRILL_VISIBILITY_TIMEOUT, a short Redis visibility timeout and a restore scan every second, so
  that a message held by a killed worker is delivered again within seconds, not after an hour.
"""

import os

os.environ.setdefault("SECRET_KEY", "drill-secret-key-only-for-the-test-suite-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_HOST", "localhost")

from portal.settings import *  # noqa: E402,F403
from portal.settings import STORAGES  # noqa: E402

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("DRILL_MAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["DRILL_MAIL_DIR"]

if os.environ.get("DRILL_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ["DRILL_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
