import pytest

from tests.webhooks.receiver import Receiver
from webhooks import services


@pytest.fixture
def receiver(settings):
    """The test receiver on loopback, which rule 25's switch must allow (as in development)."""
    settings.ALLOW_PRIVATE_HOSTS = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint_and_secret(workspace, receiver):
    return services.endpoint_create(workspace=workspace, url=receiver.url(), events=["import.finished"])
