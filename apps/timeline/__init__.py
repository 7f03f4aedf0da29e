"""Per-tenant timeline merging audit, auth, provisioning, billing, tickets and history (issue 7)."""
