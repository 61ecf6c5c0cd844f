from django.test import Client

from accounts import services
from accounts.models import ApiToken


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_reads_its_own_firm(admin, firm):
    _, raw = services.api_token_create(member=admin, name="ci", scope=ApiToken.Scope.READ)
    body = Client().get("/api/v1/me", **_bearer(raw)).json()
    assert body["firm"]["slug"] == firm.slug and body["auth"] == "token" and body["role"] == "admin"
    assert ApiToken.objects.get(prefix=raw[:10]).last_used_at is not None


def test_a_read_only_token_cannot_write(admin):
    _, raw = services.api_token_create(member=admin, name="ci", scope=ApiToken.Scope.READ)
    response = Client().patch(
        "/api/v1/firm", {"name": "X"}, content_type="application/json", **_bearer(raw)
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "status": 403,
            "code": "permission_denied",
            "message": "This API token is read-only.",
            "details": {},
        }
    }


def test_a_read_write_token_of_an_admin_updates_the_firm(admin, firm):
    _, raw = services.api_token_create(member=admin, name="ci", scope=ApiToken.Scope.READ_WRITE)
    response = Client().patch(
        "/api/v1/firm", {"name": "Renamed LLP"}, content_type="application/json", **_bearer(raw)
    )
    assert response.status_code == 200 and response.json()["name"] == "Renamed LLP"


def test_a_revoked_token_is_refused_with_401(admin):
    token, raw = services.api_token_create(member=admin, name="ci", scope=ApiToken.Scope.READ)
    services.api_token_revoke(member=admin, token=token)
    response = Client().get("/api/v1/me", **_bearer(raw))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_an_unknown_token_is_refused(db):
    assert Client().get("/api/v1/me", **_bearer("fs_nope")).status_code == 401


def test_a_token_never_reaches_another_firm(admin, outsider, other_firm):
    _, raw = services.api_token_create(member=outsider, name="ci", scope=ApiToken.Scope.READ)
    members = Client().get("/api/v1/members", **_bearer(raw)).json()
    emails = {m["email"] for m in members["results"]}
    assert admin.user.email not in emails and outsider.user.email in emails


def test_invalid_input_has_the_one_error_shape(admin_client):
    response = admin_client.patch(
        "/api/v1/firm", {"currency": "XXX"}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "currency" in error["details"]


def test_unknown_api_urls_answer_in_json(admin_client):
    response = admin_client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_viewer_cannot_create_a_read_write_token(viewer):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.api_token_create(member=viewer, name="x", scope=ApiToken.Scope.READ_WRITE)


def test_schema_and_docs_are_served_offline(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/me" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs or "swagger-ui" in docs
    assert "cdn" not in docs.lower()
