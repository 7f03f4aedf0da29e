"""GDPR requests (access, rectification, erasure) and consent records (issue 7)."""
