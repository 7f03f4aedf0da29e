"""Demo data for GDPR (called by seed_demo): consents for Sam Seller and a ready export of his data,
so the admin and /manage/privacy/ show something and the archive downloads. Idempotent."""

from typing import Any

from django_tenants.utils import get_public_schema_name, schema_context

DEMO_EMAIL = "sam@acme.localhost"


def demo_seed(*, stdout: Any = None) -> None:
    from apps.accounts.models import User

    from .models import ConsentRecord, GdprRequest
    from .runner import gdpr_request_run
    from .services import consent_set, gdpr_request_create

    with schema_context(get_public_schema_name()):
        user = User.objects.filter(email__iexact=DEMO_EMAIL).first()
        if user is None:
            if stdout:
                stdout.write(f"gdpr demo: {DEMO_EMAIL} does not exist yet; skipped.")
            return
        if not ConsentRecord.objects.filter(user=user).exists():
            consent_set(user=user, purpose="product_updates", granted=True, source="import", acting_user=None,
                        evidence={"note": "demo data"})  # fmt: skip
            consent_set(user=user, purpose="marketing_email", granted=False, source="import", acting_user=None,
                        evidence={"note": "demo data"})  # fmt: skip
        if not GdprRequest.objects.filter(subject=user, kind="access").exists():
            request = gdpr_request_create(subject=user, kind="access", acting_user=None, enqueue=False)
            gdpr_request_run(request_id=request.pk)
        if stdout:
            stdout.write(f"gdpr demo: consents and an export for {DEMO_EMAIL}.")
