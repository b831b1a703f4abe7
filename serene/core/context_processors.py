from django.conf import settings

# What the site is, in a sentence: the meta description of a page that has none of its own.
SITE_DESCRIPTION = ("Book a private one-to-one video session with a psychologist, coach or nutritionist. "
                    "Pay per session, no subscription.")


def site(request):
    return {"SUPPORT_EMAIL": settings.SUPPORT_EMAIL, "SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG,
            "SITE_DESCRIPTION": SITE_DESCRIPTION}
