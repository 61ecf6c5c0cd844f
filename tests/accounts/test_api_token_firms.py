"""One API token for several firms: it reaches its own firm and the firms it was given while its
person belongs to them, acts with the role held in the firm the X-Firm header names, and never
reaches any other firm."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken, AuditEvent, Membership, Role
from tests.conftest import client_for
from tests.factories import FirmFactory, MembershipFactory, UserFactory


def _call(raw, path="/api/v1/me", firm=None, method="get", **data):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if firm is not None:
        headers["HTTP_X_FIRM"] = str(firm)
    if method == "get":
        return Client().get(path, **headers)
    return getattr(Client(), method)(path, data, content_type="application/json", **headers)


@pytest.fixture
def second(admin):
    """The admin is also an accountant in a second firm."""
    return MembershipFactory(
        user=admin.user, firm=FirmFactory(name="Second LLP", slug="second"), role=Role.ACCOUNTANT
    )


@pytest.fixture
def not_given(admin):
    """A firm of the admin's that the token below is not given."""
    return MembershipFactory(user=admin.user, firm=FirmFactory(name="Third LLP", slug="third"))


@pytest.fixture
def token(admin, second, not_given):
    _, raw = services.api_token_create(
        member=admin, name="tools", scope=ApiToken.Scope.READ_WRITE, firm_ids=[second.firm_id]
    )
    return raw


def _refused(response) -> dict:
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "firm_not_in_token"
    return error


# -- reach -------------------------------------------------------------------------------------


def test_without_x_firm_the_token_acts_in_its_own_firm(token, admin, firm):
    body = _call(token).json()
    assert body["firm"]["slug"] == firm.slug and body["role"] == "admin"


@pytest.mark.parametrize("by", ["slug", "id"])
def test_x_firm_chooses_another_firm_of_the_token_with_the_role_held_there(token, second, by):
    ref = second.firm.slug if by == "slug" else second.firm_id
    body = _call(token, firm=ref).json()
    assert body["firm"]["id"] == second.firm_id and body["role"] == "accountant"


def test_me_lists_exactly_the_firms_the_token_reaches(token, firm, second):
    assert {f["slug"] for f in _call(token).json()["firms"]} == {firm.slug, second.firm.slug}


def test_each_firm_answers_with_its_own_rows(token, admin, second):
    second_only = MembershipFactory(firm=second.firm)
    own = {m["email"] for m in _call(token, "/api/v1/members").json()["results"]}
    there = {m["email"] for m in _call(token, "/api/v1/members", second.firm_id).json()["results"]}
    assert second_only.user.email in there and second_only.user.email not in own


def test_the_role_is_the_one_held_in_the_firm_named(token, second):
    # An admin at home, an accountant in the second firm: only admins update the firm.
    assert _call(token, "/api/v1/firm", method="patch", name="Home LLP").status_code == 200
    response = _call(token, "/api/v1/firm", second.firm.slug, method="patch", name="Taken LLP")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your role in this firm does not allow this."
    second.firm.refresh_from_db()
    assert second.firm.name == "Second LLP"


# -- never another firm ------------------------------------------------------------------------


def test_a_firm_the_person_does_not_belong_to_is_refused(token, outsider, other_firm):
    for ref in (other_firm.slug, other_firm.pk):
        error = _refused(_call(token, "/api/v1/members", ref))
        assert "X-Firm" in error["message"] and "Settings → API tokens" in error["message"]


def test_a_firm_of_the_persons_the_token_was_not_given_is_refused(token, not_given):
    _refused(_call(token, firm=not_given.firm.slug))
    _refused(_call(token, firm=not_given.firm_id))


def test_an_unknown_firm_is_refused_like_another_firm(token, other_firm):
    unknown = _call(token, firm="no-such-firm").json()
    other = _call(token, firm=other_firm.slug).json()
    assert unknown == other


def test_an_outsiders_token_never_reaches_the_firm(outsider, firm, admin):
    _, raw = services.api_token_create(member=outsider, name="x", scope=ApiToken.Scope.READ)
    _refused(_call(raw, "/api/v1/members", firm.slug))
    _refused(_call(raw, "/api/v1/console", firm.pk))
    assert [f["firm_id"] for f in _call(raw, "/api/v1/console").json()] == [outsider.firm_id]


def test_a_firm_the_person_leaves_drops_out_of_the_tokens_reach(token, second):
    # Not through the service: a membership gone by any road takes the firm with it.
    Membership.objects.filter(pk=second.pk).delete()
    _refused(_call(token, firm=second.firm.slug))
    assert _call(token).status_code == 200


def test_a_removed_member_who_returns_does_not_get_the_old_token_back(token, admin, second):
    other_admin = MembershipFactory(firm=second.firm, role=Role.ADMIN)
    services.membership_remove(actor=other_admin, membership=second)
    MembershipFactory(user=admin.user, firm=second.firm, role=Role.ACCOUNTANT)
    _refused(_call(token, firm=second.firm.slug))


def test_leaving_the_tokens_own_firm_ends_it_everywhere(token, admin, second):
    Membership.objects.filter(pk=admin.pk).delete()
    assert "no longer a member" in _refused(_call(token))["message"]
    _refused(_call(token, firm=second.firm.slug))
    assert _call(token, "/api/v1/console").status_code == 403


def test_a_revoked_token_reaches_no_firm(admin, token, second):
    services.api_token_revoke(member=admin, token=ApiToken.objects.get(prefix=token[:10]))
    assert _call(token, firm=second.firm.slug).status_code == 401


# -- the console through a token -----------------------------------------------------------------


def test_the_console_shows_the_tokens_firms_the_person_still_belongs_to(token, firm, second):
    assert {f["firm_id"] for f in _call(token, "/api/v1/console").json()} == {
        firm.pk,
        second.firm_id,
    }
    Membership.objects.filter(pk=second.pk).delete()
    assert [f["firm_id"] for f in _call(token, "/api/v1/console").json()] == [firm.pk]


# -- giving a token firms ------------------------------------------------------------------------


def test_a_token_cannot_be_given_a_firm_the_person_does_not_belong_to(admin, outsider):
    with pytest.raises(ValidationError, match="firms you belong to"):
        services.api_token_create(
            member=admin, name="x", scope=ApiToken.Scope.READ, firm_ids=[outsider.firm_id]
        )
    assert not ApiToken.objects.exists()


def test_a_viewer_in_a_firm_given_cannot_have_a_read_write_token(admin):
    viewing = MembershipFactory(user=admin.user, role=Role.VIEWER)
    with pytest.raises(ValidationError, match="viewer"):
        services.api_token_create(
            member=admin, name="x", scope=ApiToken.Scope.READ_WRITE, firm_ids=[viewing.firm_id]
        )
    token, _ = services.api_token_create(
        member=admin, name="x", scope=ApiToken.Scope.READ, firm_ids=[viewing.firm_id]
    )
    assert list(token.firms.all()) == [viewing.firm]


def test_a_firm_that_requires_mfa_is_given_only_once_it_is_set_up(admin):
    strict = MembershipFactory(
        user=admin.user, firm=FirmFactory(require_mfa=True), role=Role.ACCOUNTANT
    )
    with pytest.raises(ValidationError, match="two-factor"):
        services.api_token_create(
            member=admin, name="x", scope=ApiToken.Scope.READ, firm_ids=[strict.firm_id]
        )
    TOTP.activate(admin.user, generate_totp_secret())
    token, _ = services.api_token_create(
        member=admin, name="x", scope=ApiToken.Scope.READ, firm_ids=[strict.firm_id]
    )
    assert list(token.firms.all()) == [strict.firm]


def test_each_firm_given_records_the_token_in_its_audit_log(token, firm, second, not_given):
    logged = set(
        AuditEvent.objects.filter(action="api_token.created").values_list("firm_id", flat=True)
    )
    assert logged == {firm.pk, second.firm_id}


def test_the_token_page_offers_only_the_persons_other_firms(admin, second, not_given, outsider):
    html = client_for(admin).get(reverse("api_tokens")).content.decode()
    boxes = html[html.index('data-testid="token-firms"') :]
    boxes = boxes[: boxes.index("</fieldset>")]
    offered = {int(v) for v in re.findall(r'name="firms" value="(\d+)"', boxes)}
    assert offered == {second.firm_id, not_given.firm_id}
    assert "Elsewhere LLP" not in html


def test_the_token_page_creates_a_token_for_the_firms_ticked(admin, second, not_given):
    client = client_for(admin)
    response = client.post(
        reverse("api_tokens"), {"name": "tools", "scope": "read", "firms": [second.firm_id]}
    )
    assert 'data-testid="new-token"' in response.content.decode()
    token = ApiToken.objects.get(name="tools")
    assert token.firm_id == admin.firm_id and list(token.firms.all()) == [second.firm]
    listed = client.get(reverse("api_tokens")).content.decode()
    assert "<code>second</code>" in listed and "<code>third</code>" not in listed


def test_the_token_page_refuses_a_firm_the_person_does_not_belong_to(admin, outsider):
    response = client_for(admin).post(
        reverse("api_tokens"), {"name": "x", "scope": "read", "firms": [outsider.firm_id]}
    )
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_the_schema_documents_the_x_firm_header(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    params = schema["paths"]["/api/v1/members"]["get"]["parameters"]
    (header,) = [p for p in params if p["name"] == "X-Firm"]
    assert header["in"] == "header" and not header.get("required", False)
    assert "X-Firm" in schema["components"]["securitySchemes"]["ApiToken"]["description"]


def test_only_superusers_see_a_tokens_other_firms_in_the_django_admin(admin, rf):
    from django.contrib import admin as django_admin

    from accounts.admin import ApiTokenAdmin

    model_admin = ApiTokenAdmin(ApiToken, django_admin.site)
    request = rf.get("/admin/")
    request.user = admin.user
    assert "firms" in model_admin.get_exclude(request)
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert "firms" not in model_admin.get_exclude(request)
    assert "firms" in model_admin.get_readonly_fields(request)
