import pytest


@pytest.mark.django_db
def test_boot(acme):
    assert acme.schema_name
