"""The tenant's member pages (/manage/members/) and members API (/api/v1/members/, /api/v1/me/).

Surface code over the Membership model of apps.accounts (kernel): it stands on the apps.surfaces
bases, so it lives one layer above them instead of inside accounts.
"""
