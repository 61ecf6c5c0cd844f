"""The console page: lists accounts, shows an account's data, runs actions from its forms."""

from django.test import Client


def test_console_lists_accounts_and_runs_an_action(firm):
    browser = Client()
    index = browser.get("/sandbox/clio/")
    assert index.status_code == 200 and b"Test Law" in index.content
    page = browser.get(f"/sandbox/clio/{firm.id}/")
    assert page.status_code == 200 and b"form-generate_bill" in page.content
    done = browser.post(
        f"/sandbox/clio/{firm.id}/action/",
        {"action": "create_contact", "first_name": "Console", "last_name": "Person"},
        follow=True,
    )
    assert b"create_contact: contact" in done.content and b"Console Person" in done.content
    failed = browser.post(
        f"/sandbox/clio/{firm.id}/action/",
        {"action": "generate_bill", "matter_id": "999999"},
        follow=True,
    )
    assert b"Could not find matter" in failed.content
