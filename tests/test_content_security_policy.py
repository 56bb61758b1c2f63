"""Pages carry a Content-Security-Policy that runs only our own scripts; the API docs opt out."""

from django.test import Client


def test_dashboard_pages_run_only_their_own_scripts(db):
    policy = Client().get("/login/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_api_documentation_pages_which_need_inline_scripts_have_none(db):
    for url in ("/api/docs/", "/api/redoc/"):
        response = Client().get(url)
        assert response.status_code == 200
        assert "Content-Security-Policy" not in response
