"""Settings for `make bench`: the production settings (DEBUG off, environment as `bench/run.py` sets it)
with the bench URLs (the portal plus a bare baseline view) and a static root of the bench's own."""

from portal.settings import *  # noqa: F403
from portal.settings import VAR_DIR

ROOT_URLCONF = "bench.urls"

BENCH_DIR = VAR_DIR / "bench"
STATIC_ROOT = BENCH_DIR / "static"  # collectstatic runs here: the manifest storage needs it with DEBUG off
# Nothing the bench does should reach a mail server: load_demo submits applications (which mails the
# county's confirmers) and the pages loaded send nothing. The dummy backend drops every message.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
