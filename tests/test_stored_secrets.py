"""Every stored secret is rotated by ``rotate_secrets``: a model field named ``*_encrypted`` that its app did
not register with ``core.secrets.register_stored`` would keep the old key and break when it is dropped."""

from django.apps import apps

from core import secrets


def test_every_encrypted_field_is_registered_for_rotation():
    fields = {
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.name.endswith("_encrypted")
    }
    registered = {(model, name) for model, names in secrets.STORED for name in names}

    assert fields
    assert fields == registered
