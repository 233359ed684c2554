from django.conf import settings


def rapport(request):
    return {"DEMO": settings.DEMO}
