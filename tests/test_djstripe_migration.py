"""The single-file dj-stripe migration used under test settings must stay equal to dj-stripe's models."""

from importlib import import_module
from importlib.metadata import version

import pytest
from django.core.management import call_command


def test_test_migration_was_generated_from_the_installed_dj_stripe():
    module = import_module("config.test_migrations.djstripe.0001_initial")
    assert version("dj-stripe") == module.DJSTRIPE_VERSION, (
        "dj-stripe was upgraded: run `make djstripe-test-migration` and update DJSTRIPE_VERSION"
    )


@pytest.mark.django_db
def test_test_migration_produces_dj_stripes_current_models():
    # Exits non-zero (SystemExit) when dj-stripe's models differ from the regenerated migration.
    call_command("makemigrations", "djstripe", check=True, dry_run=True, verbosity=0)
