from django.urls import path

from sync import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/bill-syncing/", views.bill_syncing, name="bill_syncing"),
    path("flagged-bills/", views.flagged_bills, name="flagged_bills"),
]
