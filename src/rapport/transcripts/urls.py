from django.urls import path

from rapport.transcripts import views

urlpatterns = [
    path(
        "appointments/<int:appointment_id>/transcripts/new/",
        views.transcript_upload,
        name="transcript_upload",
    ),
    path("transcripts/<int:transcript_id>/", views.transcript_report, name="transcript_report"),
    path("transcripts/<int:transcript_id>/roles/", views.transcript_roles, name="transcript_roles"),
    path(
        "transcripts/<int:transcript_id>/discard/",
        views.transcript_discard,
        name="transcript_discard",
    ),
    path(
        "transcripts/<int:transcript_id>/delete/",
        views.transcript_delete,
        name="transcript_delete",
    ),
]
