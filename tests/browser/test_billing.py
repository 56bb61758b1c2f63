import re

import pytest
from playwright.sync_api import expect

from tests.billing.factories import debit_credits
from tests.factories import DEFAULT_PASSWORD, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser


def test_the_billing_chart_draws_the_balance_on_a_time_axis_from_zero(page, screenshot):
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    debit_credits(workspace, 40)

    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/settings/billing/")

    page.wait_for_function("() => window.Chart && Chart.getChart('credit-chart')")
    axes = page.evaluate(
        """() => {
            const chart = Chart.getChart('credit-chart');
            return {x: chart.scales.x.type, yMin: chart.scales.y.min,
                    data: chart.data.datasets[0].data.map((p) => p.y)};
        }"""
    )
    assert axes == {"x": "linear", "yMin": 0, "data": [0, 100, 60, 60]}
    screenshot("billing-chart")
