"""What a plan offers: its solutions and integrations, read from `Plan.features` and the catalogue.

`Plan.features["solutions"]` and `Plan.features["integrations"]` list catalogue codes. An
integration is offered when its code is listed, it is active, and the plan also includes the
solution it requires (if any).
"""

from typing import Any

from django.db.models import Q, QuerySet

from .models import Integration, Solution


def plan_solution_codes(plan: Any) -> list[str]:
    return list((plan.features or {}).get("solutions", [])) if plan is not None else []


def plan_integration_codes(plan: Any) -> list[str]:
    return list((plan.features or {}).get("integrations", [])) if plan is not None else []


def tenant_plan(tenant: Any) -> Any:
    """The tenant's plan, or None (also for the public schema's FakeTenant, which has no plan)."""
    return getattr(tenant, "plan", None) if getattr(tenant, "plan_id", None) else None


def solutions_for_plan(plan: Any) -> QuerySet[Solution]:
    return Solution.objects.filter(is_active=True, code__in=plan_solution_codes(plan))


def integrations_for_plan(plan: Any) -> QuerySet[Integration]:
    return Integration.objects.filter(
        Q(required_solution__isnull=True) | Q(required_solution__code__in=plan_solution_codes(plan)),
        is_active=True,
        code__in=plan_integration_codes(plan),
    ).select_related("required_solution")


def solution_get(code: str) -> Solution | None:
    return Solution.objects.filter(code=code).first()


def integration_get(code: str) -> Integration | None:
    return Integration.objects.filter(code=code).select_related("required_solution").first()
