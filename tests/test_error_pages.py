"""The dashboard's error pages when not debugging: a page of the product (its header, its styles), not
Django's; the server error page needs no user, workspace or database."""

import pytest
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from tests.factories import owner_of


def _a_view_that_breaks(request):
    raise RuntimeError("a bug")


# The project's URLs plus one view that raises (pytest.mark.urls points here).
urlpatterns = [
    path("breaks/", _a_view_that_breaks),
    path("", include("config.urls")),
]

STYLES = '<link rel="stylesheet" href="/static/css/app.css">'


def test_a_server_error_shows_the_products_page_without_needing_a_request_context():
    # No django_db here: a query would fail the test.
    response = server_error(RequestFactory().get("/campaigns/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "The error has been logged." in page
    assert 'class="brand">Leadpool</a>' in page
    assert STYLES in page


@pytest.mark.django_db
@pytest.mark.urls("tests.test_error_pages")
def test_a_view_that_raises_answers_500_with_the_branded_page_when_not_debugging(settings, workspace):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(owner_of(workspace))

    response = client.get("/breaks/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong on our side</h1>" in page
    assert STYLES in page
    assert "Traceback" not in page
    assert "RuntimeError" not in page


@pytest.mark.django_db
def test_an_unknown_dashboard_address_answers_404_with_the_branded_page_and_the_navigation(
    settings, client, workspace
):
    settings.DEBUG = False
    client.force_login(owner_of(workspace))

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page
    assert "There is nothing at this address in Acme Outreach." in page
    assert 'aria-label="Main"' in page
    assert STYLES in page


@pytest.mark.django_db
def test_an_unknown_address_signed_out_answers_404_with_the_branded_page(settings, client):
    settings.DEBUG = False

    response = client.get("/campaigns/no-such-thing/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page
    assert STYLES in page
    assert 'href="/login/"' in page
