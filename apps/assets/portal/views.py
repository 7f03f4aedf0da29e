"""Portal pages of assets and maintenance (/manage/assets/): members with access to the Workplaces
solution see the register, an asset's page, labels and the maintenance calendar, scan labels and record
readings; tenant admins add and change assets and plans."""

import calendar
import datetime
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView

from apps.accounts.access import is_tenant_admin
from apps.assets import services
from apps.assets.access import AssetsPortalMixin
from apps.assets.models import Asset, MeterReading
from apps.assets.selectors import (
    asset_by_label,
    asset_get,
    asset_list,
    calendar_month,
    meter_next,
    plan_get,
    plan_list,
    plan_upcoming,
    work_order_list,
)
from apps.core.recurrence import zone
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView
from apps.workplaces.models import Workplace

from .forms import AssetFilterForm, AssetForm, PlanForm, ReadingForm

LABELS_MAX = 200
PLAN_UPCOMING = 10  # occurrences shown on a plan's page (each for every asset the plan looks after)


def filtered_assets(request: HttpRequest) -> tuple[AssetFilterForm, QuerySet[Asset]]:
    form = AssetFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    profile = data.get("custodian")
    assets = asset_list(site=data.get("site"), category=data.get("category"), status=data.get("status", ""),
                        custodian=profile.user_id if profile else None, search=data.get("q", "").strip())  # fmt: skip
    return form, assets


class AssetListView(AssetsPortalMixin, ListView):
    tenant_access = "member"
    template_name = "assets/list.html"
    context_object_name = "assets"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Asset]:
        self.filter_form, assets = filtered_assets(self.request)
        return assets.order_by("code")

    def get_template_names(self) -> list[str]:
        htmx = getattr(self.request, "htmx", None)
        return ["assets/_results.html"] if htmx and not htmx.boosted else [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(filter_form=self.filter_form, is_admin=is_tenant_admin(self.request), **kwargs)


class AssetFormView(AssetsPortalMixin, TenantPortalView):
    tenant_access = "admin"

    def asset(self) -> Asset | None:
        return asset_get(self.kwargs["key"]) if "key" in self.kwargs else None

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        asset = self.asset()
        initial: dict[str, Any] = {}
        if asset is not None:
            initial = {name: getattr(asset, name) for name in AssetForm.base_fields if name != "custodian"}
            initial["category"], initial["site"] = asset.category.code, asset.site.code
        return self.render_form(AssetForm(initial=initial), asset)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        asset = self.asset()
        form = AssetForm(request.POST)
        if form.is_valid():
            try:
                if asset is None:
                    asset = services.asset_create(**form.service_fields(), acting_user=request.user)
                else:
                    asset = services.asset_update(asset=asset, **form.service_fields(), acting_user=request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{asset.name} ({asset.code}) was saved.")
                return HttpResponseRedirect(reverse("assets:detail", args=[asset.code]))
        return self.render_form(form, asset, status=400)

    def render_form(self, form: AssetForm, asset: Asset | None, status: int = 200) -> HttpResponse:
        return render(self.request, "assets/form.html", {"form": form, "asset": asset}, status=status)


class AssetDetailView(AssetsPortalMixin, TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        return self.render_page(asset_get(key))

    def render_page(self, asset: Asset, status: int = 200, reading_form: ReadingForm | None = None) -> HttpResponse:
        plans = list(plan_list(asset=asset))
        context = {
            "asset": asset, "is_admin": is_tenant_admin(self.request),
            "readings": MeterReading.objects.filter(asset=asset).select_related("recorded_by")[:10],
            "plans": [(plan, plan_upcoming(plan, count=5)) for plan in plans],
            "work_orders": work_order_list(asset=asset).order_by("-created_at", "-id")[:20],
            "history": asset.history.select_related("history_user").order_by("-history_date")[:20],
            "reading_form": reading_form or ReadingForm(),
            "qr": _qr(self.request, asset, scale=4),
        }  # fmt: skip
        return render(self.request, "assets/detail.html", context, status=status)


class ReadingCreateView(AssetDetailView):
    tenant_access = "member"

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        asset = asset_get(key)
        form = ReadingForm(request.POST)
        if form.is_valid():
            try:
                _, made = services.reading_record(asset=asset, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                extra = f" It made {len(made)} work order(s)." if made else ""
                messages.success(request, f"The reading was recorded.{extra}")
                return HttpResponseRedirect(reverse("assets:detail", args=[asset.code]) + "#readings")
        return self.render_page(asset, status=400, reading_form=form)


def _scan_url(request: HttpRequest, asset: Asset) -> str:
    return request.build_absolute_uri(reverse("assets:scan", args=[asset.label_code]))


def _qr(request: HttpRequest, asset: Asset, *, scale: int = 3) -> str:
    # segno's inline SVG: only paths and the sizes; the URL is encoded, not embedded as markup.
    return segno.make(_scan_url(request, asset), error="m").svg_inline(scale=scale, border=2)


class AssetScanView(AssetsPortalMixin, TenantPortalView):
    """What a label's QR code opens: the asset's page (anonymous people sign in first, by the base)."""

    tenant_access = "member"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        asset = asset_by_label(code)
        if asset is None:
            raise Http404("No asset has this label in this organisation.")
        return HttpResponseRedirect(reverse("assets:detail", args=[asset.code]))


class LabelsView(AssetsPortalMixin, TenantPortalView):
    """Printable labels for the chosen assets (`asset` repeated) or the register's current filters."""

    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        chosen = [code.strip().upper() for code in request.GET.getlist("asset") if code.strip()]
        form, assets = filtered_assets(request)
        if chosen:
            assets = asset_list().filter(code__in=chosen)
        rows = list(assets.order_by("code")[: LABELS_MAX + 1])
        labels = [{"asset": asset, "qr": _qr(request, asset), "url": _scan_url(request, asset)}
                  for asset in rows[:LABELS_MAX]]  # fmt: skip
        return render(request, "assets/labels.html", {"labels": labels, "truncated": len(rows) > LABELS_MAX,
                                                       "limit": LABELS_MAX, "filter_form": form})  # fmt: skip


class CalendarView(AssetsPortalMixin, TenantPortalView):
    """A month of due work orders (made and planned), per site or for every site."""

    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        try:
            year, month = (int(part) for part in request.GET.get("month", "").split("-"))
            first = datetime.date(year, month, 1)
        except ValueError:
            first = today.replace(day=1)
        site_code = request.GET.get("site", "").strip().upper()
        site = Workplace.objects.filter(code=site_code).first() if site_code else None
        days = calendar_month(year=first.year, month=first.month, site=site)
        weeks = _weeks(first, days)
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        sites = Workplace.objects.filter(kind="site").order_by("name")
        return render(request, "assets/calendar.html", {
            "first": first, "weeks": weeks, "site": site, "sites": sites, "today": today,
            "previous": previous.strftime("%Y-%m"), "following": following.strftime("%Y-%m"),
        })  # fmt: skip


def _weeks(first: datetime.date, days: dict[datetime.date, list[Any]]) -> list[list[tuple[datetime.date, list[Any]]]]:
    return [[(day, days.get(day, [])) for day in week]
            for week in calendar.Calendar().monthdatescalendar(first.year, first.month)]  # fmt: skip


class PlanDetailView(AssetsPortalMixin, TenantPortalView):
    """A maintenance plan: its rule, its next work orders (made ones with their task's status, then the
    occurrences still to come, for each asset it looks after) and the work orders it made."""

    tenant_access = "member"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = plan_get(pk)
        return render(request, "assets/plan.html", {
            "plan": plan, "upcoming": plan_upcoming(plan, count=PLAN_UPCOMING), "meter": meter_next(plan),
            "work_orders": work_order_list(plan=plan).order_by("-created_at", "-id")[:20],
        })  # fmt: skip


class PlanCreateView(AssetsPortalMixin, TenantPortalView):
    """A maintenance plan for one asset (the form opens from the asset's page)."""

    tenant_access = "admin"

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        asset = asset_get(key)
        local_now = timezone.now().astimezone(zone(asset.site.time_zone)).replace(tzinfo=None, second=0, microsecond=0)
        form = PlanForm(initial={"starts_at": local_now, "lead_days": 14, "kind": "time"})
        return self.render_form(asset, form)

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        asset = asset_get(key)
        form = PlanForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("starts_at") is not None:
                # The form's time is the site's wall time.
                data["starts_at"] = data["starts_at"].replace(tzinfo=None).replace(tzinfo=zone(asset.site.time_zone))
            try:
                plan = services.plan_create(asset=asset, acting_user=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"The plan {plan.name} was created.")
                return HttpResponseRedirect(reverse("assets:detail", args=[asset.code]) + "#plans")
        return self.render_form(asset, form, status=400)

    def render_form(self, asset: Asset, form: PlanForm, status: int = 200) -> HttpResponse:
        return render(self.request, "assets/plan_form.html", {"asset": asset, "form": form}, status=status)
