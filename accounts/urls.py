from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/members/", views.members, name="members"),
    path("settings/members/invite/", views.member_invite, name="member_invite"),
    path(
        "settings/members/<int:membership_id>/role/",
        views.member_change_role,
        name="member_change_role",
    ),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/firm/", views.firm_settings, name="firm_settings"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("firm/switch/", views.firm_switch, name="firm_switch"),
    path("no-firm/", views.no_firm, name="no_firm"),
]
