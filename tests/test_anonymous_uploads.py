"""A stranger's large POST is refused before its body is read (core.middleware)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from campaigns.models import ImportJob
from tests.factories import owner_of

BIG = b"Email\n" + b"someone@example.com\n" * 150_000  # 3 MB: past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)


@pytest.fixture
def read_bodies(monkeypatch):
    """The multipart bodies Django parsed during the test."""
    from django.http import multipartparser

    parsed, parse = [], multipartparser.MultiPartParser.parse

    def recording(self):
        parsed.append(1)
        return parse(self)

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", recording)
    return parsed


def test_a_large_post_from_a_stranger_is_refused_unread(db, read_bodies):
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")  # a CSRF cookie, as an attacker would get one

    response = client.post("/imports/", {"file": SimpleUploadedFile("big.csv", BIG)})

    assert response.status_code == 403
    assert "Sign in to upload files." in response.content.decode()
    assert read_bodies == []


def test_a_signed_in_users_large_upload_goes_through(workspace, read_bodies):
    client = Client()
    client.force_login(owner_of(workspace))

    response = client.post("/imports/", {"file": SimpleUploadedFile("big.csv", BIG)})

    assert response.status_code == 302
    assert read_bodies == [1]
    assert ImportJob.objects.for_workspace(workspace).get().file_size == len(BIG)


def test_small_posts_from_strangers_still_reach_their_page(db):
    response = Client().post("/login/", {"username": "nobody@example.com", "password": "wrong-password"})

    assert response.status_code == 200
    assert "Please enter a correct email and password." in response.content.decode()
