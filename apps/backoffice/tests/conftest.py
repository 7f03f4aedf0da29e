from apps.tenancy.tests.conftest import no_enqueue, starter  # noqa: F401  (the platform API tests use them)
