from django.urls import path

from leads import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
]
