import pytest


@pytest.fixture(autouse=True)
def _import_files(settings, tmp_path):
    """Uploads of these tests are stored under a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
