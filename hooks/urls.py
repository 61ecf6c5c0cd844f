from django.urls import path

from hooks import views

urlpatterns = [
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/<int:subscription_id>/", views.webhook_detail, name="webhook_detail"),
    path(
        "settings/webhooks/<int:subscription_id>/roll-secret/",
        views.webhook_roll_secret,
        name="webhook_roll_secret",
    ),
    path("settings/webhooks/<int:subscription_id>/test/", views.webhook_test, name="webhook_test"),
    path(
        "settings/webhooks/<int:subscription_id>/delete/",
        views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
