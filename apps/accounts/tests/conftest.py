from apps.invitations.tests.actors import acme_suspended, acme_viewer

__all__ = ["acme_suspended", "acme_viewer"]
