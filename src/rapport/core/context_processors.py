from django.conf import settings


def rapport(request):
    return {"DEMO": settings.DEMO, "PASSWORD_RESET_BY_EMAIL": settings.PASSWORD_RESET_BY_EMAIL}
