"""The analytics filters as the portal and the API take them (the same parameters on both), checked against
what the caller may read (access.Scope). Bad input is refused with a code per parameter."""

import datetime
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date

from apps.accounts.models import Membership
from apps.core.errors import refused
from apps.forms.models import FormTemplate
from apps.workplaces.models import Workplace

from .access import Scope
from .selectors import GROUPS, AnalyticsQuery

MAX_DAYS_BY_DAY = 366


def _list(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else [params.get(name) or ""]
    return [part.strip() for value in raw for part in str(value or "").split(",") if part.strip()]


def _workplaces(params: Mapping[str, Any], scope: Scope) -> frozenset[int] | None:
    wanted = _list(params, "workplace")
    if not wanted:
        return scope.workplace_ids
    ids = {int(v) for v in wanted if v.isdigit()}
    codes = {v.upper() for v in wanted if not v.isdigit()}
    found = set(Workplace.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    if codes:
        found |= set(Workplace.objects.filter(code__in=codes).values_list("pk", flat=True))
    if len(found) < len(ids) + len(codes):
        raise refused("No such workplace in this organisation.", code="unknown_workplace", field="workplace")
    if scope.workplace_ids is not None and not found <= scope.workplace_ids:
        raise refused("You read the analytics of the workplaces you manage only.", code="workplace_not_managed",
                      field="workplace")  # fmt: skip
    return frozenset(found)


def _person(params: Mapping[str, Any], scope: Scope, user: Any, tenant: Any) -> Any:
    value = str(params.get("person") or "").strip()
    if not value:
        return scope.person_id
    if value == "me":
        value = str(getattr(user, "pk", ""))
    try:
        person = uuid.UUID(value)
    except ValueError:
        raise refused("Give a person's id (or “me”).", code="invalid_person", field="person") from None
    if not Membership.objects.filter(tenant=tenant, user_id=person).exists():
        raise refused("That person is not a member of this organisation.", code="unknown_person", field="person")
    if scope.person_id is not None and person != scope.person_id:
        raise refused("You read your own submissions only.", code="person_not_allowed", field="person")
    return person


def _day(params: Mapping[str, Any], name: str) -> datetime.date | None:
    value = str(params.get(name) or "").strip()
    if not value:
        return None
    try:
        found = parse_date(value)
    except ValueError:
        found = None
    if found is None:
        raise refused("Give a day as YYYY-MM-DD.", code="invalid_date", field=name)
    return found


def analytics_query_parse(
    params: Mapping[str, Any], *, template: FormTemplate, scope: Scope, user: Any, tenant: Any,
    default_days: int | None = None,
) -> AnalyticsQuery:  # fmt: skip
    """The query the parameters ask for, within the caller's scope; `default_days` fills an empty period
    (the portal shows the last 30 days; the API reads everything unless told)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    readers = (("workplace_ids", lambda: _workplaces(params, scope)),
               ("person_id", lambda: _person(params, scope, user, tenant)),
               ("date_from", lambda: _day(params, "from")), ("date_to", lambda: _day(params, "to")))  # fmt: skip
    for name, read in readers:
        try:
            values[name] = read()
        except ValidationError as error:
            errors.update(error.error_dict)
    group_by = str(params.get("group_by") or "").strip()
    if group_by not in GROUPS:
        errors["group_by"] = [refused(f"Group by one of: {', '.join(g for g in GROUPS if g)}.", code="invalid_group")]
    if errors:
        raise ValidationError(errors)
    if default_days and values["date_from"] is None and values["date_to"] is None:
        today = datetime.datetime.now(ZoneInfo(getattr(tenant, "time_zone", "") or "UTC")).date()
        values.update(date_to=today, date_from=today - datetime.timedelta(days=default_days - 1))
    _period_check(values["date_from"], values["date_to"], group_by)
    return AnalyticsQuery(template=template, group_by=group_by, **values)


def _period_check(start: datetime.date | None, end: datetime.date | None, group_by: str) -> None:
    if start and end and end < start:
        raise refused("The period ends before it starts.", code="invalid_period", field="to")
    if group_by == "day" and (start is None or end is None or (end - start).days >= MAX_DAYS_BY_DAY):
        raise refused(f"Grouped by day, give a period (from and to) of at most {MAX_DAYS_BY_DAY} days.",
                      code="period_too_long", field="group_by")  # fmt: skip
