from django.conf import settings


def site(request):
    return {"SUPPORT_EMAIL": settings.SUPPORT_EMAIL, "SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}
