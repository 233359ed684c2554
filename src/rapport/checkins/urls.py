from django.urls import path, re_path

from rapport.checkins import views

urlpatterns = [
    # The client's page: no account, the token is the credential (MFA middleware lets /c/ by).
    path("c/<str:token>/", views.answer, name="checkin_answer"),
    # Anything else under /c/ (a link a messaging app mangled: "/c/<token>/).", a token with
    # a full stop glued on, extra path): the calm client page, never the staff 404 page.
    re_path(r"^c/(?P<rest>.*)$", views.answer_mangled, name="checkin_answer_mangled"),
    path(
        "appointments/<int:appointment_id>/checkins/new/",
        views.checkin_new,
        name="checkin_new",
    ),
    # The page that shows a new link (POST/redirect/GET after checkin_new).
    path("checkins/<int:checkin_id>/link/", views.checkin_link, name="checkin_link"),
    # Tablet mode: after signing in again from the thank-you page, back to the client the
    # therapist was with (the target is kept in the session, so this address names nobody).
    path("checkins/tablet/return/", views.tablet_return, name="checkin_tablet_return"),
    # Tablet mode's "Hand the tablet over?" (POST/redirect/GET after checkin_new): the
    # question is kept in the session, so this address names nobody either.
    path("checkins/tablet/hand-over/", views.tablet_confirm, name="checkin_tablet_confirm"),
    path("checkins/<int:checkin_id>/revoke/", views.checkin_revoke, name="checkin_revoke"),
    path(
        "responses/<int:response_id>/risk-reviewed/",
        views.response_risk_reviewed,
        name="response_risk_reviewed",
    ),
    # A risk answer sent on a link that could no longer be used (nothing of it stored).
    path(
        "refused-risk-answers/<int:notice_id>/followed-up/",
        views.refused_risk_reviewed,
        name="refused_risk_reviewed",
    ),
    path(
        "episodes/<int:episode_id>/checkins/",
        views.episode_schedule,
        name="episode_checkin_schedule",
    ),
    path("manage/checkins/", views.clinic_settings, name="manage_checkins"),
    path("manage/checkins/wording/", views.wording_upload, name="manage_checkins_wording"),
    path(
        "manage/checkins/wording/delete/",
        views.wording_delete,
        name="manage_checkins_wording_delete",
    ),
]
