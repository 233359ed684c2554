from django.urls import include, path

from rapport.accounts import views as account_views
from rapport.clinic import views as clinic_views
from rapport.core.health import healthz

# allauth's rate-limit refusals (it looks this up on the root URLconf): the app's 429 page
# with a Retry-After header (rapport.accounts.rate_limits).
handler429 = "rapport.accounts.rate_limits.too_many_requests"

urlpatterns = [
    path("", clinic_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Before allauth's own routes, which these replace.
    path("accounts/password/reset/", account_views.password_reset),
    path("accounts/email/", account_views.email_management_closed),
    path("accounts/", account_views.accounts_root),
    path("accounts/", include("allauth.urls")),
    path("caseload/", clinic_views.caseload, name="caseload"),
    path("", include("rapport.accounts.urls")),
    path("clients/new/", clinic_views.client_create, name="client_create"),
    path("clients/<int:client_id>/", clinic_views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", clinic_views.client_edit, name="client_edit"),
    path(
        "clients/<int:client_id>/episodes/new/", clinic_views.episode_create, name="episode_create"
    ),
    path("episodes/<int:episode_id>/edit/", clinic_views.episode_edit, name="episode_edit"),
    path("episodes/<int:episode_id>/end/", clinic_views.episode_end, name="episode_end"),
    path("episodes/<int:episode_id>/goals/new/", clinic_views.goal_create, name="goal_create"),
    path(
        "episodes/<int:episode_id>/appointments/new/",
        clinic_views.appointment_create,
        name="appointment_create",
    ),
    path("goals/<int:goal_id>/edit/", clinic_views.goal_edit, name="goal_edit"),
    path(
        "appointments/<int:appointment_id>/attendance/",
        clinic_views.appointment_attendance,
        name="appointment_attendance",
    ),
    path(
        "appointments/<int:appointment_id>/delete/",
        clinic_views.appointment_delete,
        name="appointment_delete",
    ),
    path("manage/users/", account_views.users, name="manage_users"),
    path("manage/users/new/", account_views.user_create, name="manage_user_create"),
    path("manage/users/<int:user_id>/", account_views.user_edit, name="manage_user_edit"),
    path(
        "manage/users/<int:user_id>/clients/",
        account_views.clients_move,
        name="manage_clients_move",
    ),
    path("manage/supervision/", account_views.supervision, name="manage_supervision"),
    path(
        "manage/supervision/<int:link_id>/delete/",
        account_views.supervision_delete,
        name="manage_supervision_delete",
    ),
    path("manage/clinic/", account_views.clinic_settings, name="manage_clinic"),
    path("manage/audit/", account_views.audit_log, name="manage_audit"),
    path("", include("rapport.checkins.urls")),
    path("", include("rapport.monitoring.urls")),
    path("", include("rapport.guidance.urls")),
    path("", include("rapport.transcripts.urls")),
    path("", include("rapport.matching.urls")),
    path("", include("rapport.api.urls")),
]
