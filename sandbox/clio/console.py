"""The console page at /sandbox/clio/: browse an account's data, perform actions by hand."""

from django.shortcuts import render


def index(request):
    return render(request, "sandbox/index.html", {"provider": "Clio"})


def account_page(request, account_id):
    return index(request)


def run_action(request, account_id):
    return index(request)
