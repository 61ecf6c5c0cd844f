from datetime import timedelta

from django.utils import timezone

from sync.models import WorkerHeartbeat
from sync.schedules import SCHEDULES
from sync.tasks import heartbeat


def test_dashboard_says_the_worker_has_not_run_yet(admin_client):
    body = admin_client.get("/").content.decode()
    assert "The task worker has not run yet" in body


def test_the_heartbeat_task_shows_the_worker_running(admin_client):
    heartbeat()
    body = admin_client.get("/").content.decode()
    assert "Running" in body


def test_a_stale_heartbeat_shows_the_worker_stopped(admin_client):
    heartbeat()
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    assert "Stopped" in admin_client.get("/").content.decode()


def test_schedules_are_declared_in_code_and_written_on_migrate(db):
    from django_q.models import Schedule

    names = set(Schedule.objects.values_list("name", flat=True))
    assert {s["name"] for s in SCHEDULES} <= names


def test_queue_settings_are_safe():
    from django.conf import settings

    q = settings.Q_CLUSTER
    assert q["timeout"] < q["retry"] and q["max_attempts"] > 0 and q["catch_up"] is False


def test_staff_see_no_bill_syncing_menu_entry(staff_client):
    body = staff_client.get("/").content.decode()
    assert "/settings/bill-syncing/" not in body


def test_admins_see_the_bill_syncing_menu_entry(admin_client):
    assert "/settings/bill-syncing/" in admin_client.get("/").content.decode()


def test_sandbox_is_mounted_when_enabled(client, db):
    assert client.get("/sandbox/").status_code == 200


def test_the_dashboard_shows_each_connection_and_what_is_missing(admin_client, firm):
    from sync.models import Connection, Provider, Side

    Connection.objects.create(
        firm=firm,
        provider=Provider.CLIO,
        side=Side.PRACTICE,
        external_id="us:1",
        external_name="Eleanor Harbor",
    )
    body = admin_client.get("/").content.decode()
    assert "Clio · Eleanor Harbor" in body and "connected" in body
    assert "Connect QuickBooks Online or Xero to start syncing." in body
