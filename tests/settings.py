"""Settings for the test suite: the project's settings with fast, isolated choices."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATABASE_URL", "sqlite:///var/test.sqlite3")
os.environ.setdefault("EMAIL_HOST", "localhost")  # production-like settings; the suite uses locmem
# The suite runs tasks eagerly; the tests with a real Redis read this. Kept for the test processes that
# pytest-xdist starts after this process has taken REDIS_URL out of the environment.
_REDIS_URL = os.environ.pop("REDIS_URL", None) or os.environ.get("PORTAL_TEST_REDIS_URL")
if _REDIS_URL:
    os.environ["PORTAL_TEST_REDIS_URL"] = _REDIS_URL

from portal.settings import *  # noqa: E402,F403

REAL_REDIS_URL = _REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {
        "BACKEND": "portal.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="portal-test-private-")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
WHITENOISE_AUTOREFRESH = True
# Most tests (and the browser journeys) read bokmål pages as users of the cast's county A, which writes
# nynorsk: they run as if each user had chosen bokmål. tests/test_catalogue.py turns this on and
# tests the interface language that follows the organisation.
LANGUAGE_FROM_ORGANISATION = False
