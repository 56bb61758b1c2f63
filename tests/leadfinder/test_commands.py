"""``seed_prospects``, ``load_prospects`` and the prospects of ``seed_demo``."""

from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from leadfinder import loading
from leadfinder.models import Prospect
from leadfinder.normalization import clean_prospect
from leadfinder.synthetic import C_SUITE_TITLES, DEPARTMENTS, OWNER_TITLES
from tests.factories import make_prospects
from tests.table_statistics import analyze_count

pytestmark = pytest.mark.django_db

FIELDS = [
    "first_name",
    "last_name",
    "job_title",
    "seniority",
    "department",
    "company_name",
    "company_domain",
    "industry",
    "company_size",
    "country",
    "city",
    "email",
    "email_status",
    "phone",
    "linkedin_url",
]


def rows():
    return list(Prospect.objects.order_by("id").values_list(*FIELDS))


def seed(count, seed_value):
    call_command("seed_prospects", count=count, seed=seed_value)
    return rows()


def test_seed_prospects_is_deterministic_by_seed(capsys):
    first = seed(300, 7)
    Prospect.objects.all().delete()  # the empty prospect database of a new installation, again
    again = seed(300, 7)
    Prospect.objects.all().delete()
    other = seed(300, 8)

    assert len(first) == 300
    assert first == again
    assert first != other
    assert "300 prospects added" in capsys.readouterr().out


def index_definitions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leadfinder_prospect'")
        return sorted(cursor.fetchall())


def test_a_large_seed_into_an_empty_table_builds_the_indexes_at_the_end_and_makes_the_same_rows(
    monkeypatch, capsys
):
    """From ``BULK_SEED_MIN`` prospects into an empty table, seeding drops the secondary indexes, COPYs
    and builds them again: the same rows in the same order as row by row, and the same indexes."""
    indexes = index_definitions()
    row_by_row = seed(1_000, 11)
    Prospect.objects.all().delete()
    monkeypatch.setattr(loading, "BULK_SEED_MIN", 500)
    dropped = []
    real_copy = loading._copy_rows

    def copy_rows(rows):
        dropped.append({name for name, _ in index_definitions()})
        real_copy(rows)

    monkeypatch.setattr(loading, "_copy_rows", copy_rows)
    monkeypatch.setattr(loading, "SEED_CHUNK", 300)

    assert seed(1_000, 11) == row_by_row
    assert dropped == [{"leadfinder_prospect_pkey"}] * 4  # 300 + 300 + 300 + 100, no secondary index
    assert index_definitions() == indexes
    out = capsys.readouterr().out
    assert "1,000 / 1,000 made, 1,000 added" in out and "1,000 prospects added" in out


def test_a_large_seed_into_a_table_with_prospects_goes_row_by_row(monkeypatch, capsys):
    seed(100, 5)
    monkeypatch.setattr(loading, "BULK_SEED_MIN", 100)
    monkeypatch.setattr(loading, "_copy_rows", None)  # the bulk path would fail

    call_command("seed_prospects", count=150, seed=5)

    out = capsys.readouterr().out
    added = Prospect.objects.count() - 100
    assert 0 < added < 150
    assert f"{added} prospects added in" in out and f"{150 - added} skipped (email already there)" in out


def test_seeded_prospects_are_realistic():
    seed(2_000, 3)
    prospects = list(Prospect.objects.all())

    domains = defaultdict(set)
    for prospect in prospects:
        domains[prospect.company_name, prospect.industry, prospect.company_size].add(prospect.company_domain)
        if prospect.email:
            assert prospect.email.endswith(f"@{prospect.company_domain}")
            assert prospect.email_status in ("verified", "unverified")
        if prospect.seniority == "owner":
            assert prospect.job_title in OWNER_TITLES
        elif prospect.seniority == "c_suite":
            assert prospect.job_title in C_SUITE_TITLES[prospect.department]
        else:
            _, area, managers, seniors, entries = DEPARTMENTS[prospect.department]
            expected = {"manager": managers, "senior": seniors, "entry": entries}.get(prospect.seniority)
            assert prospect.job_title in expected if expected else area in prospect.job_title
    assert all(len(found) == 1 for found in domains.values())
    without_email = sum(1 for prospect in prospects if not prospect.email)
    assert 0.01 * len(prospects) < without_email < 0.07 * len(prospects)
    for prospect in prospects[:300]:
        clean_prospect({name: getattr(prospect, name) for name in FIELDS})


def test_seeding_again_skips_the_emails_already_there(capsys):
    seed(100, 5)
    with_email = Prospect.objects.exclude(email="").count()

    call_command("seed_prospects", count=100, seed=5)

    assert Prospect.objects.exclude(email="").count() == with_email
    assert "skipped (email already there)" in capsys.readouterr().out


def test_seed_prospects_if_empty_does_nothing_when_there_are_prospects(capsys):
    make_prospects(2)

    call_command("seed_prospects", count=50, if_empty=True)

    assert Prospect.objects.count() == 2
    assert "none added" in capsys.readouterr().out


def test_seed_demo_adds_a_few_thousand_prospects_once(capsys):
    call_command("seed_demo")
    count = Prospect.objects.count()
    call_command("seed_demo")

    assert count == 3_000
    assert Prospect.objects.count() == 3_000


VENDOR_HEADER = (
    "First Name,last_name,email,email_status,phone,linkedin_url,job_title,seniority,department,"
    "company_name,company_domain,industry,company_size,country,city,vendor_id\n"
)


def load(tmp_path, text, *, encoding="utf-8-sig"):
    path = tmp_path / "vendor.csv"
    path.write_bytes(text.encode(encoding))
    call_command("load_prospects", str(path))


def test_load_prospects_keeps_good_rows_and_reports_bad_ones_with_row_numbers(tmp_path, capsys):
    load(
        tmp_path,
        VENDOR_HEADER
        + "Ada,Lovelace, ADA@Example.COM ,verified,+44 20 7946 0000,linkedin.com/in/ada,CTO,C-Suite,"
        "Engineering,Analytical Ltd,https://www.Analytical.io/about,Computer Software,51 - 200,GB,London,v1\n"
        + "Bad,Email,not-an-email,,,,,,,Acme,acme.com,,,,,v2\n"
        + "Grace,Hopper,,,,,Admiral,vp,,Navy,navy.mil,,,united states,Arlington,v3\n"
        + "Bad,Enums,b@acme.com,,,,,boss,,Acme,acme.com,,huge,XX,,v4\n"
        + "Dup,Ada,ada@example.com,,,,,,,Analytical Ltd,,,,,,v5\n"
        + ",,,,,,,,,,,,,,,\n"
        + ",,nameless@acme.com,,,,,,,Acme,,,,,,v7\n",
    )

    captured = capsys.readouterr()
    assert "2 prospects created, 0 updated, 4 bad rows not loaded." in captured.out
    errors = captured.err.splitlines()
    assert errors[0] == "Ignored columns that are not prospect fields: vendor_id."
    assert errors[1].startswith("row 3: email: 'not-an-email' is not a valid email address")
    assert errors[2].startswith("row 5: seniority: 'boss' is not one of owner, c_suite")
    assert "company_size: 'huge'" in errors[2] and "country: 'XX'" in errors[2]
    assert errors[3] == "row 6: email: same email as row 2."
    assert errors[4] == "row 8: first_name: A prospect needs a first or a last name."
    ada = Prospect.objects.get(email="ada@example.com")
    assert (ada.seniority, ada.department, ada.industry, ada.company_size, ada.company_domain) == (
        "c_suite",
        "engineering",
        "software",
        "51-200",
        "analytical.io",
    )
    assert ada.linkedin_url == "https://linkedin.com/in/ada"
    grace = Prospect.objects.get(last_name="Hopper")
    assert (grace.email, grace.email_status, grace.country, grace.seniority) == ("", "", "US", "vp")


def test_seeding_and_loading_analyze_the_prospect_table(tmp_path, capsys):
    """Until autovacuum gets to it, the planner would take the table for the size it had before the load
    (a search mix ran 5x slower right after seeding 1,000,000 prospects)."""
    before = analyze_count(Prospect)
    seed(50, 1)
    seeded = analyze_count(Prospect)
    load(tmp_path, VENDOR_HEADER + "Ada,Lovelace,ada@example.com,,,,CTO,,,Analytical Ltd,,,,,,v1\n")

    assert (seeded - before, analyze_count(Prospect) - seeded) == (1, 1)


def test_load_prospects_updates_a_known_email(tmp_path, capsys):
    [known] = make_prospects(1, email="ada@example.com", job_title="Engineer")

    load(tmp_path, VENDOR_HEADER + "Ada,Lovelace,ada@example.com,,,,CTO,,,Analytical Ltd,,,,,,v1\n")

    known.refresh_from_db()
    assert known.job_title == "CTO"
    assert known.email_status == "unverified"
    assert "0 prospects created, 1 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty"),
        ("first_name,last_name\nAda,Lovelace\n", "Missing columns: email, company_name"),
        ("first_name,last_name,email,company_name\n", "a header row and no prospects"),
        ("first_name,last_name,email,company_name\n,,,\n\n", "a header row and no prospects"),
    ],
)
def test_load_prospects_refuses_files_it_cannot_use(tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        load(tmp_path, content)
    assert not Prospect.objects.exists()


def test_load_prospects_refuses_a_file_that_is_not_utf8(tmp_path):
    with pytest.raises(CommandError, match="is not UTF-8"):
        load(tmp_path, VENDOR_HEADER + "Zoë,Müller,zoe@acme.de,,,,,,,Acme,,,,,,\n", encoding="latin-1")


def test_a_file_that_stops_being_utf8_late_loads_nothing(tmp_path):
    good = "".join(f"Ada{n},Lovelace,ada{n}@example.com,,,,,,,Acme,,,,,,\n" for n in range(5_000))
    text = (VENDOR_HEADER + good).encode("utf-8") + "Zoë,Müller,zoe@acme.de,,,,,,,Acme,,,,,,\n".encode(
        "latin-1"
    )
    path = tmp_path / "vendor.csv"
    path.write_bytes(text)

    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("load_prospects", str(path))

    assert not Prospect.objects.exists()


def test_a_file_that_stops_being_csv_late_loads_nothing(tmp_path):
    good = "".join(f"Ada{n},Lovelace,ada{n}@example.com,Acme\n" for n in range(2_500))
    rest = "".join(f"Bob{n},Smith,bob{n}@example.com,Acme\n" for n in range(60_000))
    path = tmp_path / "vendor.csv"
    path.write_text("first_name,last_name,email,company_name\n" + good + 'Bad,"Row,bad@x.com,Acme\n' + rest)

    with pytest.raises(CommandError, match=r"is not a readable CSV file .*Nothing was loaded"):
        call_command("load_prospects", str(path))

    assert not Prospect.objects.exists()


def test_a_file_without_the_optional_columns_leaves_those_of_known_prospects_alone(tmp_path, capsys):
    [known] = make_prospects(
        1,
        email="ada@example.com",
        job_title="CTO",
        seniority="c_suite",
        country="GB",
        email_status="verified",
    )

    load(tmp_path, "first_name,last_name,email,company_name\nAda,Lovelace,ada@example.com,Analytical Ltd\n")

    known.refresh_from_db()
    assert (known.company_name, known.job_title, known.seniority, known.country, known.email_status) == (
        "Analytical Ltd",
        "CTO",
        "c_suite",
        "GB",
        "verified",
    )
    assert "0 prospects created, 1 updated" in capsys.readouterr().out


def test_load_prospects_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_prospects", str(tmp_path / "nope.csv"))
