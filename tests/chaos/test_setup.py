"""A test with the django_db marker: pytest-django sets up the test database only when a collected
test asks for it, and the chaos tests use committed data instead (run the directory, not one test)."""

import pytest

from apps.core.models import JobLease

pytestmark = [pytest.mark.django_db, pytest.mark.chaos]


def test_no_job_lease_is_left_over():
    assert not JobLease.objects.exists()
