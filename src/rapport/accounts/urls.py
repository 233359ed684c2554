"""The clinician's own pages about access to their clients (the admin's pages are routed
in ``rapport.urls``)."""

from django.urls import path

from rapport.accounts import views

urlpatterns = [
    path("caseload/access/", views.clients_access, name="clients_access"),
    path("caseload/access/seen/", views.access_notices_seen, name="access_notices_seen"),
]
