from django.urls import path

from rapport.guidance import views

urlpatterns = [
    path("manage/guidance/", views.strategy_list, name="manage_guidance"),
    path("manage/guidance/new/", views.strategy_create, name="manage_guidance_create"),
    path("manage/guidance/<int:strategy_id>/", views.strategy_edit, name="manage_guidance_edit"),
    path(
        "manage/guidance/<int:strategy_id>/toggle/",
        views.strategy_toggle,
        name="manage_guidance_toggle",
    ),
]
