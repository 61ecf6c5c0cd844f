from decimal import Decimal

from practice.models import Bill, Contact, Matter


def _matter(firm, n, client_name="Ada Lovelace"):
    client = Contact.objects.create(firm=firm, clio_id=1000 + n, name=client_name)
    matter = Matter.objects.create(
        firm=firm, clio_id=n, display_number=f"M-{n:04d}", description="Estate", client=client
    )
    bill = Bill.objects.create(
        firm=firm,
        clio_id=5000 + n,
        state="awaiting_payment",
        client=client,
        balance=Decimal("125.50"),
    )
    bill.matters.add(matter)
    return matter


def test_the_matters_page_lists_this_firms_matters_only(staff_client, firm, other_firm):
    _matter(firm, 1)
    _matter(other_firm, 2, client_name="Someone Else")
    body = staff_client.get("/matters/").content.decode()
    assert "M-0001" in body and "Ada Lovelace" in body and "125.50" in body
    assert "M-0002" not in body and "Someone Else" not in body


def test_matters_can_be_searched(staff_client, firm):
    _matter(firm, 1)
    _matter(firm, 2, client_name="Grace Hopper")
    body = staff_client.get("/matters/?q=hopper").content.decode()
    assert "M-0002" in body and "M-0001" not in body


def test_an_empty_mirror_says_where_matters_come_from(staff_client):
    assert "No matters yet" in staff_client.get("/matters/").content.decode()


def test_the_query_count_does_not_grow_with_matters(
    staff_client, firm, django_assert_max_num_queries
):
    for n in range(3):
        _matter(firm, n)
    with django_assert_max_num_queries(12):
        staff_client.get("/matters/")
    for n in range(3, 40):
        _matter(firm, n)
    with django_assert_max_num_queries(12):
        staff_client.get("/matters/")
