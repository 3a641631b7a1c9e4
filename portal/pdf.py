"""Every PDF the portal makes (receipts, decision letters, claim letters) is an HTML template
rendered by WeasyPrint here, in the document's language and in Oslo time, with a URL fetcher that
reads only the project's own static files.

WeasyPrint reports its progress ("Step 2 - Fetching and parsing CSS") at INFO on its
``weasyprint.progress`` logger; that is silenced here, so no command prints it.
"""

from __future__ import annotations

import logging
import mimetypes
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.formats import OSLO

# Before WeasyPrint is imported: it parses its default stylesheets then, and reports that too.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402  (after the logger above is quietened)
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

# A tagged PDF: headings, paragraphs and tables a screen reader can follow (costs no measurable time).
# PDF/A-2b, the archival format (arkivforskrifta; fonts embedded, metadata declaring part 2, level B):
# letters and receipts are journaled as PDF/A (grants.archive.registry.PORTAL_PDF).
PDF_OPTIONS = {"pdf_tags": True, "pdf_variant": "pdf/a-2b"}


def static_roots() -> list[Path]:
    """The folders a PDF may read from: settings.STATICFILES_DIRS (``static/``)."""
    roots = []
    for entry in settings.STATICFILES_DIRS:
        folder = entry[1] if isinstance(entry, list | tuple) else entry  # (prefix, path) entries too
        roots.append(Path(folder).resolve())
    return roots


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that reads files from the static folders and refuses everything else.

    No HTTP, no data: URLs, no file outside ``static/`` (``..`` and symbolic links are resolved first), so
    nothing a user typed can make the server fetch a URL or read a file. A refusal raises ``PermissionError``;
    WeasyPrint logs it and renders without the resource.
    """

    def __init__(self, roots: list[Path] | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = [Path(root).resolve() for root in roots] if roots is not None else static_roots()

    def path_for(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise PermissionError(f"PDFs fetch no URLs, only static files: {url[:200]!r}")
        if parts.netloc not in ("", "localhost"):
            raise PermissionError(f"PDFs read no files from another host: {url[:200]!r}")
        path = Path(url2pathname(parts.path)).resolve()  # url2pathname decodes %XX
        if not any(path.is_relative_to(root) for root in self.roots):
            raise PermissionError(f"PDFs read only the project's static files, not {path}")
        if not path.is_file():
            raise FileNotFoundError(f"No such static file: {path}")
        return path

    def fetch(self, url, headers=None):
        path = self.path_for(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type})


def render_html(template: str, context: dict, *, language: str) -> str:
    """The document's HTML in ``language``, with times in Oslo time."""
    with translation.override(language or "nb"), timezone.override(OSLO):
        return render_to_string(template, context)


class RenderingTooSlow(RuntimeError):
    """A PDF took longer than settings.PDF_TIME_LIMIT seconds to lay out."""


class _OutOfTime(BaseException):
    """Raised by the alarm inside WeasyPrint: not an Exception, so no ``except Exception`` in the
    layout code can swallow it; html_to_pdf turns it into RenderingTooSlow."""


@contextmanager
def time_limit(seconds: float):
    """Stop the block with RenderingTooSlow after ``seconds`` (a hard limit, on the main thread: a
    Celery worker's task, a sync web worker's request, a management command). In a thread, where no
    alarm can be set, the limit is the Celery task's own and the web server's."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OutOfTime:
        raise RenderingTooSlow(f"The PDF took longer than {seconds} s to render") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def html_to_pdf(html: str, *, language: str) -> bytes:
    """A PDF of ``html``; its stylesheets are linked relative to ``static/`` (``grants/letter.css``).
    Rendering stops after settings.PDF_TIME_LIMIT seconds (RenderingTooSlow): the documents' callers
    mark it failed and their sweeps try again a few times, so no worker is held for hours."""
    fetcher = StaticFilesOnly()
    base_url = fetcher.roots[0].as_uri() + "/"
    with translation.override(language or "nb"), time_limit(settings.PDF_TIME_LIMIT):
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(**PDF_OPTIONS)


def render_pdf(template: str, context: dict, *, language: str) -> bytes:
    return html_to_pdf(render_html(template, context, language=language), language=language)
