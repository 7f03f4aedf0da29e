import uuid

import pytest

from apps.logs.buffer import buffer_client


@pytest.fixture(autouse=True)
def _isolated_logs(settings, tmp_path):
    """A Redis buffer key and an archive root of this test's own."""
    settings.API_REQUEST_LOG_BUFFER_KEY = f"test:logs:{uuid.uuid4().hex}"
    settings.ARCHIVE_ROOT = str(tmp_path / "archive")
    settings.API_REQUEST_LOG_SAMPLE_RATE = 1.0
    client, key = buffer_client(), settings.API_REQUEST_LOG_BUFFER_KEY
    yield
    client.delete(key)
