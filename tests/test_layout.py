"""Homes that match names, on floors that only point down (DESIGN.md, Architecture): apps import only apps
below them, no two modules import each other, and each route is served from the app its name says."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, resolve

from campaigns import tasks as campaign_tasks
from campaigns.importing import tasks as import_tasks

# Ground floor first; config is the roof and may import them all.
FLOORS = ["core", "accounts", "billing", "leads", "campaigns", "leadfinder", "sending", "webhooks"]
BASE_DIR = Path(settings.BASE_DIR)


def module_name(path):
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules():
    """Every module of the apps and config (migrations aside), by dotted name."""
    return {
        module_name(path): path
        for app in [*FLOORS, "config"]
        for path in (BASE_DIR / app).rglob("*.py")
        if "migrations" not in path.parts
    }


def imported_names(path):
    """What a module imports, at its top or inside a function: modules and ``from`` names alike."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_apps_import_only_apps_below_them():
    upward = [
        (module, name)
        for module, path in project_modules().items()
        if module.split(".")[0] in FLOORS
        for name in imported_names(path)
        if name.split(".")[0] in FLOORS[FLOORS.index(module.split(".")[0]) + 1 :]
    ]

    assert upward == []


def test_no_two_modules_import_each_other_even_from_inside_a_function():
    modules = project_modules()
    imports = {
        module: {name for name in imported_names(path) if name in modules and name != module}
        for module, path in modules.items()
    }

    def reaches(start, goal):
        seen, todo = set(), [start]
        while todo:
            module = todo.pop()
            if module == goal:
                return True
            if module not in seen:
                seen.add(module)
                todo.extend(imports[module])
        return False

    circles = sorted(
        (module, name) for module, names in imports.items() for name in names if reaches(name, module)
    )
    assert circles == []


def served_by(path):
    view = resolve(path).func
    return getattr(view, "view_class", view).__module__


@pytest.mark.parametrize(
    "path, module",
    [
        ("/api/v1/workspace", "accounts.api"),
        ("/api/v1/leads", "campaigns.contacts.api"),
        ("/api/v1/leads/1", "campaigns.contacts.api"),
        ("/contacts/", "campaigns.contacts.views"),
        ("/contacts/1/", "campaigns.contacts.views"),
        ("/contacts/1/delete/", "campaigns.contacts.views"),
    ],
)
def test_contacts_and_the_workspace_are_served_from_their_own_homes(path, module):
    assert served_by(path) == module


def test_each_app_serves_its_api_from_its_own_url_module_in_the_api_namespace():
    (api,) = [
        pattern
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver) and pattern.namespace == "api"
    ]
    homes = {}
    for included in api.url_patterns:
        package = included.urlconf_name.__name__.rpartition(".")[0]
        for route in included.url_patterns:
            homes[str(route.pattern)] = (package, route.callback.view_class.__module__.rpartition(".")[0])

    assert homes["workspace"] == ("accounts", "accounts")
    assert homes["leads"] == ("campaigns.contacts", "campaigns.contacts")
    assert all(package == view_package for package, view_package in homes.values()), homes


def test_the_import_tasks_keep_the_names_that_queued_messages_and_the_beat_schedule_use():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert import_tasks.run_import.name == "campaigns.tasks.run_import"
    assert {campaign_tasks.purge_import_files.name, campaign_tasks.requeue_stalled_imports.name} <= scheduled
