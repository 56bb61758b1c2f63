"""Home for people: the first steps in the order they are taken, the sample CSV, and the empty states that say
what to do next."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from campaigns.models import ImportJob
from leads.models import Lead
from tests.campaigns.import_helpers import assert_every_row_in_one_bucket, run_import

pytestmark = pytest.mark.django_db

SAMPLE = "samples/leads-sample.csv"


@pytest.fixture
def client(client, owner):
    client.force_login(owner)
    return client


def test_home_gets_people_started_with_import_lead_finder_and_campaign_before_the_api(client):
    html = client.get(reverse("home")).text

    places = [
        html.index(marker)
        for marker in (
            'data-testid="step-import"',
            'data-testid="step-leadfinder"',
            'data-testid="step-campaign"',
            'data-testid="api-card"',
        )
    ]
    assert places == sorted(places)
    assert f'href="{reverse("imports")}"' in html
    assert f'href="{reverse("leadfinder")}"' in html
    assert f'href="{reverse("campaigns")}#new-campaign"' in html


@pytest.mark.parametrize("url_name", ["home", "imports"])
def test_home_and_the_import_page_link_the_sample_csv(client, url_name):
    html = client.get(reverse(url_name)).text

    assert f'<a href="{static(SAMPLE)}" download>Download a sample CSV</a>' in html


def test_the_sample_csv_imports_cleanly_every_row_a_new_contact(workspace):
    path = finders.find(SAMPLE)
    assert path is not None
    with open(path, "rb") as sample:
        content = sample.read()

    job = run_import(workspace, content, name="leads-sample.csv")

    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.rows_total == job.created == 5
    assert_every_row_in_one_bucket(job)
    leads = Lead.objects.for_workspace(workspace)
    assert leads.count() == 5
    assert all(lead.first_name and lead.last_name and lead.company_name and lead.job_title for lead in leads)


@pytest.mark.parametrize(
    ("url_name", "says", "links_to"),
    [
        ("contacts", "No contacts yet. ", ["imports", "leadfinder"]),
        ("campaigns", "No campaigns yet. ", ["#new-campaign"]),
        ("imports", "No imports yet. ", ["#upload-heading"]),
        ("leadfinder_downloads", "No downloads yet. ", ["leadfinder"]),
    ],
)
def test_each_empty_state_says_what_to_do_next_and_links_to_it(client, url_name, says, links_to):
    html = client.get(reverse(url_name)).text

    start = html.index('<p class="empty-state">')
    empty_state = html[start : html.index("</p>", start)]
    assert says in empty_state
    for target in links_to:
        href = target if target.startswith("#") else reverse(target)
        assert f'<a href="{href}">' in empty_state
