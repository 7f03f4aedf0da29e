"""Tenant surfaces: the bases every tenant-domain view stands on (portal pages and the tenant API).

A view declares who may call it with `tenant_access` ("member", "admin", "member_read_admin_write"
or "public"); the bases refuse a view that declares nothing. API keys get in only where the view
declares a scope (`resource_family` or `required_scopes`). See docs/architecture.md, "Tenant surfaces".
A plain package (no models, not a Django app): apps import it, it imports only the kernel.
"""
