"""send_after_commit: work queued after the commit never turns into an error page."""

from portal.background import send_after_commit


class _Refusing:
    """A task whose sending fails with something other than a broker error (e.g. SMTP in eager mode)."""

    name = "tests.refusing"

    def apply_async(self, args, kwargs):
        raise RuntimeError("the mail server said no")


def test_a_failing_task_after_commit_is_logged_not_raised(db, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(_Refusing(), 1)
    assert "the mail server said no" in caplog.text
