from .abr_stub import abr_stub  # noqa: F401
