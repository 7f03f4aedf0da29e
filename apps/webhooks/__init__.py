"""Outbound webhooks: endpoints, signed deliveries, retries, replay (issue 7)."""
