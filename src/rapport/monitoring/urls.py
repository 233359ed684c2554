from django.urls import path

from rapport.monitoring import views

urlpatterns = [
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("alerts/<int:alert_id>/action/", views.alert_action, name="alert_action"),
    path("alerts/<int:alert_id>/dismiss/", views.alert_dismiss, name="alert_dismiss"),
    path("alerts/<int:alert_id>/snooze/", views.alert_snooze, name="alert_snooze"),
]
