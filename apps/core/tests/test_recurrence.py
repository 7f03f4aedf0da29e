import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.recurrence import occurrence_key, occurrences_between, rule_parse, zone

UTC = datetime.UTC


def test_a_weekly_local_time_keeps_its_wall_clock_across_daylight_saving():
    sydney = zone("Australia/Sydney")  # DST ends 2026-04-05, starts 2026-10-04
    rule = rule_parse("FREQ=WEEKLY;BYDAY=MO;COUNT=60", dtstart=datetime.datetime(2026, 3, 2, 9, 0))
    found = occurrences_between(rule, tz=sydney, start=datetime.datetime(2026, 3, 25, tzinfo=UTC),
                                end=datetime.datetime(2026, 4, 15, tzinfo=UTC))  # fmt: skip
    assert [o.astimezone(sydney).strftime("%m-%d %H:%M") for o in found] == [
        "03-30 09:00",
        "04-06 09:00",
        "04-13 09:00",
    ]
    assert [o.hour for o in found] == [22, 23, 23]  # UTC: AEDT +11, then AEST +10
    assert occurrence_key(found[0], sydney) == "2026-03-30T09:00"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "unbounded_rrule"),
        ("FREQ=WEEKLY;UNTIL=20200101", "empty_rrule"),
        ("FREQ=MINUTELY;COUNT=5", "invalid_rrule"),
        ("every monday", "invalid_rrule"),
        ("", "invalid_rrule"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=2", "invalid_rrule"),
    ],
)
def test_bad_rules_are_refused_with_a_code(text, code):
    with pytest.raises(ValidationError) as refused:
        rule_parse(text, dtstart=datetime.datetime(2026, 1, 5, 9, 0), field="schedule")
    assert refused.value.error_dict["schedule"][0].code == code
