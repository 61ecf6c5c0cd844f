"""Error pages: HTML for people, the API's JSON error shape under /api/."""

from django.http import JsonResponse
from django.shortcuts import render


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    body = {"error": {"status": status, "code": code, "message": message, "details": {}}}
    return JsonResponse(body, status=status)


def bad_request(request, exception=None):
    reason = str(exception or "")
    if request.path.startswith("/api/"):
        return _api_error(400, "bad_request", reason or "Bad request.")
    return render(request, "errors/400.html", {"reason": reason}, status=400)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(404, "not_found", "Not found.")
    return render(request, "errors/404.html", status=404)


def forbidden(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(403, "permission_denied", str(exception) or "Forbidden.")
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        return _api_error(
            500, "server_error", "Something went wrong on our side. It has been logged."
        )
    return render(request, "errors/500.html", status=500)
