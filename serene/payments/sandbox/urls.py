from django.urls import path, re_path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("checkout.js", views.checkout_js, name="checkout_js"),
    path("checkout/pay", views.checkout_pay, name="checkout_pay"),
    path("v1/orders", views.orders),
    path("v1/orders/<str:order_id>", views.order_detail),
    path("v1/orders/<str:order_id>/payments", views.order_payments),
    path("v1/payments/<str:payment_id>", views.payment_detail),
    path("v1/payments/<str:payment_id>/capture", views.payment_capture),
    path("v1/payments/<str:payment_id>/refund", views.payment_refund),
    path("v1/payments/<str:payment_id>/refunds", views.payment_refunds),
    path("v1/payments/<str:payment_id>/refunds/<str:refund_id>", views.payment_refund_detail),
    path("v1/refunds/<str:refund_id>", views.refund_detail),
    path("dashboard/payments/<str:payment_id>/refund", views.dashboard_payment_refund),
    path("simulate/orders/<str:order_id>/pay", views.simulate_order_pay),
    path("simulate/orders/<str:order_id>/refund-failures", views.simulate_order_refund_failures),
    path("simulate/orders/<str:order_id>/refunds-pending", views.simulate_order_refunds_pending),
    path("simulate/refunds/<str:refund_id>/settle", views.simulate_refund_settle),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
