"""The dashboard's error pages: a server error shows our page, which needs no user or workspace."""

from django.test import RequestFactory
from django.views.defaults import server_error


def test_a_server_error_shows_the_products_page_without_needing_a_request_context():
    response = server_error(RequestFactory().get("/campaigns/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "The error has been logged." in page
