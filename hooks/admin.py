from django.contrib import admin

from accounts.admin import FirmScopedAdmin
from hooks.models import Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(FirmScopedAdmin):
    list_display = ("url", "firm", "active", "failures_in_row", "created_at")
    list_filter = ("firm", "active")
    # The secret is never shown here: it was shown once, to the person who made or rolled it.
    exclude = ("secret",)
    readonly_fields = ("failures_in_row", "created_by", "created_at")


@admin.register(Delivery)
class DeliveryAdmin(FirmScopedAdmin):
    list_display = ("type", "event_id", "firm", "subscription", "status", "attempts", "created_at")
    list_filter = ("firm", "status", "type")
    readonly_fields = [f.name for f in Delivery._meta.fields]
