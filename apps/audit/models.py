import uuid

from django.conf import settings
from django.db import models

PLATFORM_CHAIN = "platform"


class AuditEvent(models.Model):
    """An append-only record of a sensitive action.

    Rows are hash-chained per tenant (``chain``): each row stores the previous row's hash and its
    own, so an edited or deleted row breaks the chain. Database triggers refuse UPDATE, DELETE and
    TRUNCATE; rows are written only by ``apps.audit.services.audit_record``.
    """

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The tenant's id as text, or "platform" for platform-level events.
    chain = models.CharField(max_length=64, editable=False)
    sequence = models.PositiveBigIntegerField(editable=False)
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_constraint=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    actor_label = models.CharField(max_length=254, blank=True, default="")
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    # 1: rows written before the pseudonym vault (hash over the raw ip_address column).
    # 2: personal values are pseudonyms (apps.audit.pseudonyms); the client IP's pseudonym lives in
    #    ip_pseudonym (the inet column stays NULL) and is hashed in ip_address's place.
    hash_version = models.PositiveSmallIntegerField(default=1, db_default=1, editable=False)
    ip_pseudonym = models.CharField(max_length=80, blank=True, default="", db_default="", editable=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_event_chain_sequence_unique"),
            models.UniqueConstraint(fields=["chain", "prev_hash"], name="audit_event_chain_no_fork"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="audit_event_sequence_positive"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="audit_event_tenant_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_event_target"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.sequence} ({self.chain})"


class PiiVault(models.Model):
    """The real value behind an audit pseudonym ``pii:<hmac>``, encrypted at rest.

    GDPR erasure deletes a subject's rows: the audit rows keep only the pseudonym, their hashes
    (computed over the pseudonym) stay valid. This table is deliberately NOT append-only.
    """

    id = models.BigAutoField(primary_key=True)
    pseudonym = models.CharField(max_length=80, unique=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # HMAC of the normalised value alone: erasure finds every pseudonym of an email or a name.
    value_digest = models.CharField(max_length=64, db_index=True)
    value_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "PII vault entry"
        verbose_name_plural = "PII vault"
        indexes = [models.Index(fields=["subject"], name="audit_piivault_subject")]

    def __str__(self) -> str:
        return self.pseudonym


class AuditCheckpoint(models.Model):
    """A signed snapshot of one chain's head: its last sequence, last hash and row count.

    The chain itself cannot show that its newest rows were deleted (what is left still links up);
    a checkpoint signed with AUDIT_CHECKPOINT_KEY, a key the database never holds, can: a chain
    whose head is behind its newest checkpoint lost rows at the end. Copies are also appended to
    JSON-lines files under AUDIT_CHECKPOINT_DIR (``apps.audit.checkpoints``), out of the database's reach.
    """

    id = models.BigAutoField(primary_key=True)
    chain = models.CharField(max_length=64)
    sequence = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    event_count = models.PositiveBigIntegerField()
    taken_at = models.DateTimeField()
    # The first 12 hex digits of SHA-256(key): tells "signed with another key" from "forged".
    key_id = models.CharField(max_length=12)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["chain", "-id"], name="audit_checkpoint_chain_newest")]

    def __str__(self) -> str:
        return f"{self.chain} @ {self.sequence} ({self.taken_at:%Y-%m-%d %H:%M})"
