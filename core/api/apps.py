from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "core.api"
    label = "api"
    verbose_name = "API plumbing"

    def ready(self):
        from django.urls import register_converter

        from core.api import schema  # noqa: F401 - registers the OpenAPI authentication extensions
        from core.ids import IdConverter

        register_converter(IdConverter, "id")
