"""The project's URLs plus a stand-in for the unsubscribe page's route (``/u/<token>``, named
"unsubscribe"), which the suppression work adds: messages name it in their links and headers. Drop this
module once that route is in config/urls.py."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def _stand_in(request, token):
    return HttpResponse(status=204)


urlpatterns = [path("u/<str:token>", _stand_in, name="unsubscribe"), *project_urlpatterns]
