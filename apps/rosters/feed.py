"""The iCalendar feed of a person's shifts: GET /calendar/shifts/<token>.ics on the tenant domain.

No session: the secret token in the address is the credential (`tenant_access = "public"`); an
unknown token, or another tenant's (looked up in this tenant's schema only), is a 404. Each shift is a
VEVENT whose UID is stable (`shift-<id>@<tenant slug>`), in UTC; cancelled shifts stay with
STATUS:CANCELLED so calendar apps remove them.
"""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from apps.surfaces.portal import tenant_portal_view
from apps.tenancy.context import connection_tenant

from .models import Shift, ShiftStatus
from .selectors import feed_by_token, feed_shifts


def _location(shift: Shift) -> str:
    place = shift.workplace
    parts = [place.name, place.address_line1, place.city, place.postcode]
    return ", ".join(p for p in parts if p)


def _event(shift: Shift, slug: str, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"shift-{shift.pk}@{slug}.rosters")
    event.add("dtstamp", stamp)
    event.add("dtstart", shift.starts_at.astimezone(datetime.UTC))
    event.add("dtend", shift.ends_at.astimezone(datetime.UTC))
    label = shift.shift_type.name if shift.shift_type_id and shift.shift_type else "Shift"
    event.add("summary", f"{label} at {shift.workplace.name}")
    event.add("location", _location(shift))
    if shift.notes:
        event.add("description", shift.notes)
    event.add("last-modified", shift.updated_at.astimezone(datetime.UTC))
    event.add("status", "CANCELLED" if shift.status == ShiftStatus.CANCELLED else "CONFIRMED")
    return event


def calendar_for(user_id: Any, *, name: str, slug: str, now: datetime.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//NIDIA Flow//Rosters//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for shift in feed_shifts(user_id, now=now):
        calendar.add_component(_event(shift, slug, now))
    return calendar.to_ical()


@tenant_portal_view("public")
def shifts_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = feed_by_token(token)
    tenant = connection_tenant()
    body = calendar_for(
        feed.user_id,
        name=f"Shifts · {tenant.name if tenant else ''}".strip(" ·"),
        slug=tenant.slug if tenant else "tenant",
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
