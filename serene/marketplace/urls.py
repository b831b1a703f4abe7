from django.urls import path

from . import sitemaps, views

app_name = "marketplace"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("experts/<slug:slug>/", views.profile, name="profile"),
    path("experts/<slug:slug>/reviews/", views.reviews, name="reviews"),
    path("booking/failed", views.failed, name="failed"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-pages.xml", sitemaps.sitemap_pages, name="sitemap_pages"),
    path("sitemap-experts-<int:number>.xml", sitemaps.sitemap_experts, name="sitemap_experts"),
]
