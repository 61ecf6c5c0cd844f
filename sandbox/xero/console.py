"""The console at /sandbox/xero/: browse an organisation's books and act as its bookkeeper."""

from django.shortcuts import render


def index(request):
    return render(request, "sandbox/index.html", {"provider": "Xero"})


def books(request, tenant_id):
    return index(request)


def act(request, tenant_id):
    return index(request)
