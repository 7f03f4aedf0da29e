"""Field-encryption key rotation: old values stay readable, a command re-encrypts them everywhere."""

import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from apps.audit.models import PiiVault
from apps.core.crypto import secret_decrypt, secret_encrypt, secret_is_current
from apps.core.keyrotation import encrypted_models
from apps.integrations.models import IntegrationActivation

# The suite's own key plays the old one: rows other tests committed were written with it.
OLD, NEW = django_settings.FIELD_ENCRYPTION_KEYS[0], "new-field-key-0123456789abcdef"


@pytest.fixture
def old_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    return settings


def _total(out: str, verb: str) -> int:
    match = re.search(rf"(\d+) value\(s\) {re.escape(verb)} in", out)
    assert match, out
    return int(match.group(1))


def _vault_row(value: str) -> PiiVault:
    return PiiVault.objects.create(
        pseudonym=f"pii:test-{value}", value_digest="d" * 64, value_encrypted=secret_encrypt(value)
    )


def test_a_value_written_under_the_old_key_reads_after_the_new_key_is_added(old_key):
    token = secret_encrypt("s3cret")
    old_key.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert secret_decrypt(token) == "s3cret"
    assert not secret_is_current(token)
    assert secret_is_current(secret_encrypt("fresh"))


def test_a_value_under_a_dropped_key_is_refused_clearly(old_key):
    token = secret_encrypt("s3cret")
    old_key.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(ValueError, match="not in FIELD_ENCRYPTION_KEYS"):
        secret_decrypt(token)


def test_the_single_key_setting_still_works(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_ENCRYPTION_KEY = OLD
    token = secret_encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    assert secret_decrypt(token) == "x"


def test_encrypted_fields_are_found_by_their_name():
    found = {model._meta.label: names for model, names in encrypted_models()}
    assert found["audit.PiiVault"] == ["value_encrypted"]
    assert found["integrations.IntegrationActivation"] == ["secrets_encrypted"]
    assert set(found["webhooks.WebhookEndpoint"]) == {"secret_encrypted", "previous_secret_encrypted"}


@pytest.mark.django_db
def test_rotation_reencrypts_public_and_tenant_values_in_batches_and_is_idempotent(old_key, acme, capsys):
    vault = [_vault_row(f"v{i}") for i in range(3)]
    with schema_context(acme.schema_name):
        activation = IntegrationActivation.objects.create(
            integration_code="rot-test", secrets_encrypted=secret_encrypt("{}")
        )
    old_key.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    call_command("rotate_field_encryption", "--dry-run")
    assert _total(capsys.readouterr().out, "would be re-encrypted (dry run)") >= 4
    assert not secret_is_current(PiiVault.objects.get(pk=vault[0].pk).value_encrypted)

    call_command("rotate_field_encryption", "--batch-size", "2")
    out = capsys.readouterr().out
    assert "public.audit_piivault (value_encrypted): " in out and f"{acme.schema_name}.integrations_" in out
    assert _total(out, "re-encrypted") >= 4

    old_key.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key can now be dropped
    assert [secret_decrypt(PiiVault.objects.get(pk=row.pk).value_encrypted) for row in vault] == ["v0", "v1", "v2"]
    with schema_context(acme.schema_name):
        assert secret_decrypt(IntegrationActivation.objects.get(pk=activation.pk).secrets_encrypted) == "{}"

    call_command("rotate_field_encryption")
    assert "0 value(s) re-encrypted" in capsys.readouterr().out


@pytest.mark.django_db
def test_rotation_names_values_no_listed_key_opens(old_key):
    old_key.FIELD_ENCRYPTION_KEYS = ["a-key-nobody-kept-0123456789"]
    row = _vault_row("lost")
    old_key.FIELD_ENCRYPTION_KEYS = [NEW, OLD]  # what other tests committed stays readable
    with pytest.raises(CommandError, match=f"1 value\\(s\\) open with no key .*public.audit_piivault pk {row.pk}"):
        call_command("rotate_field_encryption")


@pytest.mark.django_db
def test_bad_batch_size_is_refused():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("rotate_field_encryption", "--batch-size", "0")
