from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory


def _invite(admin, email="new.person@example.test", role=Role.STAFF):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.invitation_create(
            actor=admin, email=email, role=role, base_url="http://testserver/"
        )


def test_invitation_email_carries_a_working_link(admin):
    invitation, raw = _invite(admin)
    assert len(mail.outbox) == 1
    assert f"http://testserver/invitations/{raw}/" in mail.outbox[0].body
    assert invitation.token_hash != raw


def test_a_new_person_accepts_by_choosing_a_password(client, admin, firm):
    _, raw = _invite(admin)
    response = client.post(
        f"/invitations/{raw}/",
        {"password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.test")
    assert membership.firm == firm and membership.role == Role.STAFF
    assert client.get("/").status_code == 200


def test_an_existing_user_signs_in_then_accepts(client, admin, firm, outsider):
    _, raw = _invite(admin, email=outsider.user.email, role=Role.ACCOUNTANT)
    assert "Sign in to accept" in client.get(f"/invitations/{raw}/").content.decode()
    client.login(email=outsider.user.email, password=PASSWORD)
    assert client.post(f"/invitations/{raw}/").status_code == 302
    assert Membership.objects.get(user=outsider.user, firm=firm).role == Role.ACCOUNTANT


def test_an_invitation_works_once(client, admin):
    _, raw = _invite(admin)
    client.post(
        f"/invitations/{raw}/",
        {"password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    assert client_for_anon().get(f"/invitations/{raw}/").status_code == 410


def client_for_anon():
    from django.test import Client

    return Client()


def test_an_expired_invitation_is_refused(client, admin):
    invitation, raw = _invite(admin)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(f"/invitations/{raw}/").status_code == 410


def test_an_unknown_invitation_token_is_404(client, db):
    assert client.get("/invitations/not-a-token/").status_code == 404


def test_signed_in_as_someone_else_cannot_accept(admin, firm):
    _, raw = _invite(admin)
    other = UserFactory()
    from accounts.models import Membership as M

    stranger = M.objects.create(user=other, firm=admin.firm, role=Role.VIEWER)
    response = client_for(stranger).post(f"/invitations/{raw}/")
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="new.person@example.test").exists()


def test_inviting_an_existing_member_is_refused(admin, staff):
    with pytest.raises(Exception, match="already a member"):
        _invite(admin, email=staff.user.email)
