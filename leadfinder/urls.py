from django.urls import path

from leadfinder import views

urlpatterns = [
    path("lead-finder/", views.prospect_search, name="leadfinder"),
]
