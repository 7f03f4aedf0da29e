"""Organisation's personal data, for GDPR export and erasure (apps.gdpr asks through apps.core.hooks).

gdpr is a platform service and never imports a domain app: each domain app that keeps personal data
the generic sweep cannot find registers it here. Both run inside one tenant's schema.
"""

from typing import Any

from .models import Certification, Entity, EntityMembership, MemberProfile, Skill

PROFILE_FIELDS_ERASED = {"employee_code": "", "external_id": "", "job_title": "", "preferences": {}}


def profile_ids(user: Any) -> list[Any]:
    """Hook "gdpr.person_profile_ids": the person's profiles, so the export also takes the rows that
    point at them (a `profile` foreign key)."""
    return list(MemberProfile.objects.filter(user_id=user.pk).values_list("pk", flat=True))


def profile_anonymise(user: Any) -> None:
    """Hook "gdpr.tenant_erase": blank the personal columns of the person's profiles and their history."""
    MemberProfile.objects.filter(user_id=user.pk).update(**PROFILE_FIELDS_ERASED)
    MemberProfile.history.filter(user_id=user.pk).update(**PROFILE_FIELDS_ERASED)  # type: ignore[attr-defined]


def person_export(user: Any) -> dict[str, Any]:
    """Hook "gdpr.person_export": the person's profile, where they sit in the tree, their skills and
    certifications, and the entities they manage (one query per section)."""
    mine = MemberProfile.objects.filter(user_id=user.pk).values("pk")
    return {
        "profiles": MemberProfile.objects.filter(user_id=user.pk),
        "entity_memberships": EntityMembership.objects.filter(profile__in=mine),
        "skills": Skill.objects.filter(profile__in=mine),
        "certifications": Certification.objects.filter(profile__in=mine),
        "entities_managed": Entity.objects.filter(manager__in=mine),
    }
