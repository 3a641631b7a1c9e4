import datetime as dt

from django.utils import timezone


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day``, Norwegian time."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
