from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "config.api"
    label = "api"
    verbose_name = "API plumbing"

    def ready(self):
        from django.urls import register_converter

        from config.api import schema  # noqa: F401 - registers the OpenAPI authentication extensions
        from config.ids import IdConverter

        register_converter(IdConverter, "id")
