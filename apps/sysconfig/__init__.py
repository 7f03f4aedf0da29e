"""Typed system settings and per-country validation rules (issue 7)."""
