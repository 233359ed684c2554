"""The clinician's own pages about access to their clients, and the admin's help for a
colleague who cannot sign in (the admin's other pages are routed in ``rapport.urls``)."""

from django.urls import path

from rapport.accounts import views

urlpatterns = [
    path("caseload/access/", views.clients_access, name="clients_access"),
    path("caseload/access/seen/", views.access_notices_seen, name="access_notices_seen"),
    path(
        "manage/users/<int:user_id>/password/",
        views.user_password,
        name="manage_user_password",
    ),
    path(
        "manage/users/<int:user_id>/two-factor/",
        views.user_mfa_reset,
        name="manage_user_mfa_reset",
    ),
]
