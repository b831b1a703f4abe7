from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from serene.api import api
from serene.core import observability
from serene.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", core_views.api_not_found),
    path("accounts/", include("serene.accounts.urls")),
    path("staff/", include("serene.staff.urls")),
    path("healthz", core_views.health, name="health"),
    path("readyz", observability.readiness, name="readiness"),
    path("metrics", observability.metrics, name="metrics"),
    path("dev/mail/", include("serene.notifications.dev_urls")),  # answers 404 unless DEBUG
    path("expert/", include("serene.desk.urls")),
    path("", include("serene.video.urls")),  # sessions/<id>/room/, beside the customer's sessions/<id>/
    path("", include("serene.customer.urls")),
    path("", include("serene.notifications.urls")),
    path("", include("serene.experts.urls")),
    path("", include("serene.marketplace.urls")),
]
if settings.PAYMENTS_SANDBOX:
    urlpatterns.insert(0, path("sandbox/razorpay/", include("serene.payments.sandbox.urls")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "serene.core.views.page_not_found"
handler500 = "serene.core.views.server_error"
