"""The REST API's routes and its OpenAPI schema. Wiring only."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import FirmApi, MeApi, MemberListApi
from sync.api import ConnectionListApi, PreflightApi, SyncSettingsApi
from sync.api_runs import (
    FailedRecordListApi,
    FailedRecordRetryApi,
    SyncRunDetailApi,
    SyncRunListApi,
)

urlpatterns = [
    path("v1/me", MeApi.as_view(), name="api_me"),
    path("v1/firm", FirmApi.as_view(), name="api_firm"),
    path("v1/members", MemberListApi.as_view(), name="api_members"),
    path("v1/connections", ConnectionListApi.as_view(), name="api_connections"),
    path("v1/sync/settings", SyncSettingsApi.as_view(), name="api_sync_settings"),
    path("v1/sync/preflight", PreflightApi.as_view(), name="api_preflight"),
    path("v1/sync/runs", SyncRunListApi.as_view(), name="api_sync_runs"),
    path("v1/sync/runs/<int:run_id>", SyncRunDetailApi.as_view(), name="api_sync_run"),
    path("v1/sync/failures", FailedRecordListApi.as_view(), name="api_sync_failures"),
    path("v1/sync/failures/retry", FailedRecordRetryApi.as_view(), name="api_sync_retry"),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="api_schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api_schema", permission_classes=[], authentication_classes=[]
        ),
        name="api_docs",
    ),
]
