from django.conf import settings
from django.http import HttpRequest


def product(request: HttpRequest) -> dict[str, object]:
    return {"PRODUCT_NAME": settings.PRODUCT_NAME, "current_tenant": getattr(request, "tenant", None)}
