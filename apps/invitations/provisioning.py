"""The invitations provisioning step (registered with apps.tenancy.provisioning, autodiscovered)."""

from apps.accounts.models import Membership
from apps.tenancy.provisioning import provisioning_step

from .models import Invitation
from .services import invitation_create


@provisioning_step("invite_first_admin", 60)
def invite_first_admin(*, job, tenant) -> None:  # type: ignore[no-untyped-def]
    """Invite the job's admin email as tenant admin, once: skipped when that person is already
    invited (pending or accepted) or a member, or when the job names nobody."""
    email = job.admin_email
    if not email:
        return
    invited = Invitation.objects.filter(
        tenant=tenant, email__iexact=email, status__in=[Invitation.Status.PENDING, Invitation.Status.ACCEPTED]
    )
    member = Membership.objects.filter(tenant=tenant, user__email__iexact=email)
    if invited.exists() or member.exists():
        return
    invitation_create(tenant=tenant, email=email, role=Membership.Role.TENANT_ADMIN, acting_user=job.requested_by)
