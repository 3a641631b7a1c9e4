"""The portal's |date (portal/templatetags/fast_dates.py) writes exactly what Django's does."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import translation

from portal.templatetags.fast_dates import date as fast_date

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
VALUES = [
    dt.date(2026, 5, 17),
    dt.date(2001, 1, 2),
    dt.datetime(2026, 3, 29, 1, 59, 58),
    dt.datetime(2026, 12, 31, 23, 5, 7, tzinfo=OSLO),
    dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 2, 30, 15, 123456, tzinfo=OSLO),
    dt.time(9, 5),
    None,
    "",
    "17.05.2026",
]
FORMATS = ["d.m.Y", "d.m.Y H:i", "d.m.Y H:i:s", "c", "j. F Y", None, "Y"]


def outcome(filter_, value, fmt):
    try:
        return filter_(value, fmt)
    except TypeError as error:  # Django refuses a time format on a plain date; so must this one
        return ("TypeError", str(error))


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_text_as_djangos_filter(value, fmt, language):
    with translation.override(language):
        assert outcome(fast_date, value, fmt) == outcome(defaultfilters.date, value, fmt)


def test_every_template_uses_it_with_local_time(settings):
    settings.TIME_ZONE = "Europe/Oslo"
    template = Template('{{ at|date:"d.m.Y H:i" }} {{ at|date:"d.m.Y" }} {{ at|date:"j. F Y" }}')
    at = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)  # 1 January 2027, 00:30 in Oslo
    with translation.override("nb"):
        assert template.render(Context({"at": at})) == "01.01.2027 00:30 01.01.2027 1. januar 2027"
