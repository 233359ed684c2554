from django.urls import path

from rapport.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
]
