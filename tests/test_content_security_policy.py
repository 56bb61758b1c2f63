"""Pages carry a Content-Security-Policy that runs only our own scripts; the API docs opt out."""

from django.test import Client


def test_dashboard_pages_run_only_their_own_scripts(db):
    policy = Client().get("/login/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_api_documentation_page_which_needs_inline_scripts_has_none(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
