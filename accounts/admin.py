"""Django admin, firm-aware: superusers see everything, with every list filterable by firm."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, AuditEvent, Firm, Invitation, Membership, User


class FirmScopedAdmin(admin.ModelAdmin):
    """Lists filter by firm; staff who are not superusers see only the firms they administer."""

    list_filter = ("firm",)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("firm")
        if request.user.is_superuser:
            return qs
        return qs.filter(firm__memberships__user=request.user, firm__memberships__role="admin")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "currency", "timezone", "require_mfa", "created_at")
    search_fields = ("name", "slug")


@admin.register(Membership)
class MembershipAdmin(FirmScopedAdmin):
    list_display = ("user", "firm", "role", "created_at")
    list_filter = ("firm", "role")


@admin.register(Invitation)
class InvitationAdmin(FirmScopedAdmin):
    list_display = (
        "email",
        "firm",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    exclude = ("token_hash",)


@admin.register(ApiToken)
class ApiTokenAdmin(FirmScopedAdmin):
    list_display = ("name", "prefix", "user", "firm", "scope", "last_used_at", "revoked_at")
    exclude = ("token_hash",)

    def get_exclude(self, request, obj=None):
        # The other firms a token reaches are firms the admin of its home firm may not belong
        # to: only superusers see them.
        if request.user.is_superuser:
            return self.exclude
        return (*self.exclude, "firms")

    def get_readonly_fields(self, request, obj=None):
        # Firms are given on the API tokens page, which checks the person's memberships.
        return ("firms",) if request.user.is_superuser else ()


@admin.register(AuditEvent)
class AuditEventAdmin(FirmScopedAdmin):
    list_display = ("created_at", "firm", "actor_email", "action", "object_repr", "ip")
    search_fields = ("action", "actor_email", "object_repr")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
