import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import AuditEvent, Membership, Role
from tests.factories import MembershipFactory


def test_the_last_admin_cannot_be_demoted(admin):
    with pytest.raises(ValidationError, match="last admin"):
        services.membership_change_role(actor=admin, membership=admin, role=Role.STAFF)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_the_last_admin_cannot_be_removed(admin):
    with pytest.raises(ValidationError, match="last admin"):
        services.membership_remove(actor=admin, membership=admin)
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_an_admin_can_be_demoted_when_another_admin_remains(admin, firm):
    second = MembershipFactory(firm=firm, role=Role.ADMIN)
    services.membership_change_role(actor=admin, membership=second, role=Role.VIEWER)
    second.refresh_from_db()
    assert second.role == Role.VIEWER
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.before == {"role": "admin"} and event.after == {"role": "viewer"}
    assert event.firm_id == firm.pk and event.actor_id == admin.user_id


def test_members_page_shows_the_error_for_the_last_admin(admin_client, admin):
    response = admin_client.post(f"/settings/members/{admin.pk}/remove/", follow=True)
    assert "The last admin cannot be removed" in response.content.decode()


def test_members_page_lists_only_this_firms_members(admin_client, admin, outsider):
    body = admin_client.get("/settings/members/").content.decode()
    assert admin.user.email in body
    assert outsider.user.email not in body


def test_member_list_query_count_does_not_grow(admin_client, firm, django_assert_max_num_queries):
    MembershipFactory.create_batch(3, firm=firm)
    with django_assert_max_num_queries(12):
        admin_client.get("/settings/members/")
    MembershipFactory.create_batch(20, firm=firm)
    with django_assert_max_num_queries(12):
        admin_client.get("/settings/members/")
