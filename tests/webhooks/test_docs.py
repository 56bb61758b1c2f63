"""docs/webhooks.md's example receiver code, taken from the document as it is and run against a real
signed delivery: if the signature or the example changes, this fails."""

import time

from core.events import event_emit
from tests.webhooks.deliveries import first_attempt, the_docs_verify


def test_the_documented_receiver_code_accepts_a_real_delivery_and_refuses_forgeries(
    workspace, receiver, endpoint_and_secret
):
    verify = the_docs_verify()
    _, secret = endpoint_and_secret
    first_attempt(event_emit(workspace=workspace, type="import.finished", data={"import_id": 3}))
    (request,) = receiver.requests
    header = request.headers["Leadpool-Signature"]

    assert verify(secret, request.body, header)
    assert not verify(secret, request.body.replace(b"3", b"4"), header), "a changed body"
    assert not verify("whsec_someone-else", request.body, header), "another secret"
    assert not verify(secret, request.body, header, tolerance=-1), "too old"
    later = int(header.split(",")[0][2:]) + 301
    assert not verify(secret, request.body, header.replace(header.split(",")[0], f"t={later}")), "t changed"
    assert not verify(secret, request.body, "v1=abc"), "no timestamp"
    assert abs(time.time() - int(header.split(",")[0][2:])) < 60
