from django.conf import settings


def site_base_url(domain: str) -> str:
    """The absolute base URL of a hostname, for links made outside a request (emails sent by tasks)."""
    port = f":{settings.PUBLIC_URL_PORT}" if settings.PUBLIC_URL_PORT else ""
    return f"{settings.PUBLIC_URL_SCHEME}://{domain}{port}"
