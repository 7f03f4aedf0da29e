from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.organisation import signals
        from apps.organisation.models import Entity, MemberProfile

        from . import receivers

        signals.entity_created.connect(receivers.on_entity_created, dispatch_uid="access.entity_created")
        signals.entity_moved.connect(receivers.on_entity_moved, dispatch_uid="access.entity_moved")
        signals.entity_membership_added.connect(receivers.on_membership_added, dispatch_uid="access.membership_added")
        signals.entity_membership_removed.connect(
            receivers.on_membership_removed, dispatch_uid="access.membership_removed"
        )
        post_save.connect(receivers.on_profile_saved, sender=MemberProfile, dispatch_uid="access.profile_saved")
        post_delete.connect(receivers.on_entity_deleted, sender=Entity, dispatch_uid="access.entity_deleted")
