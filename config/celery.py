import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("leadpool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The tasks module of a package inside an app is not found by the app-wide discovery above.
app.autodiscover_tasks(["campaigns.importing", "campaigns.contacts"])
