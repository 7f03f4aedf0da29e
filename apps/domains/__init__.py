"""The tenant's custom domain pages (/manage/domains/) and the current-tenant endpoint (/api/v1/tenant/).

Surface code over the Tenant and Domain models of apps.tenancy (kernel): it stands on the
apps.surfaces bases, so it lives one layer above them instead of inside tenancy.
"""
