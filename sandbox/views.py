from django.shortcuts import render


def index(request):
    return render(request, "sandbox/index.html")


def provider_placeholder(request, provider: str):
    return render(request, "sandbox/index.html", {"provider": provider})
