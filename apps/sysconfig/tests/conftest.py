import pytest

from apps.sysconfig.services import setting_cache_clear


@pytest.fixture(autouse=True)
def _fresh_setting_cache(db):
    """Tests roll back their writes; the cache must not remember them for the next test."""
    setting_cache_clear()
    yield
    setting_cache_clear()
