import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "plum-orchard-lantern-42"


def test_a_visitor_signs_up_creates_a_scoped_api_key_sees_it_once_and_calls_the_api_with_it(
    page, api_request, screenshot
):
    page.goto("/signup/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Workspace name").fill("Analytical Engines")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    screenshot("1-signup")
    page.get_by_role("main").get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytical Engines")
    expect(page.get_by_text("ada@example.com")).to_be_visible()
    screenshot("2-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    slug = page.locator(".facts dd code").inner_text()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("group", name="What it may do").get_by_label("leads:read").check()
    page.get_by_role("group", name="What it may do").get_by_label("leads:write").check()
    page.get_by_role("button", name="Create the key").click()

    expect(page.get_by_text("Copy it now, it won't be shown again.")).to_be_visible()
    raw_key = page.locator("#new-api-key-value").inner_text()
    assert raw_key.startswith("lp_")
    screenshot("3-api-key-created")

    page.reload()
    expect(page.locator("#new-api-key")).to_have_count(0)
    assert raw_key not in page.content()
    prefix = raw_key.split("_")[1]
    expect(page.locator("#api-keys")).to_contain_text(f"lp_{prefix}_…")
    expect(page.locator("#api-keys")).to_contain_text("CRM sync")
    expect(page.locator("#api-keys .api-key-scopes")).to_have_text("leads:read leads:write")
    screenshot("4-api-keys")

    response = api_request.get("/api/v1/workspace", headers={"Authorization": f"Bearer {raw_key}"})
    assert response.status == 200
    assert response.json()["slug"] == slug == "analytical-engines"
    assert api_request.get("/api/v1/workspace").status == 401
    refused = api_request.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {raw_key}"})
    assert refused.status == 403
    assert refused.json()["error"]["details"] == {"missing_scope": "campaigns:read"}
