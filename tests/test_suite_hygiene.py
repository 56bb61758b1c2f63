"""The suite itself: no test writes under var/, and CI replays the same Hypothesis examples every run."""

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from hypothesis import settings as hypothesis_settings

from tests.conftest import CI


def test_a_stored_file_lands_in_the_tests_own_folder_not_under_var(settings, tmp_path):
    name = default_storage.save("imports/probe.csv", ContentFile(b"Email\n"))

    stored = Path(default_storage.path(name)).resolve()
    assert stored.is_relative_to(tmp_path.resolve())
    assert not stored.is_relative_to(Path(settings.VAR_DIR).resolve())


def test_the_ci_profile_replays_the_same_examples_and_keeps_no_example_database():
    ci = hypothesis_settings.get_profile("ci")

    assert (ci.derandomize, ci.database) == (True, None)
    assert ci.deadline.total_seconds() >= 1
    assert hypothesis_settings.default.derandomize is CI
