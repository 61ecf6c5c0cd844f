"""The file bucket behind Clio's document uploads (S3 in Clio), at `/sandbox/clio/_uploads/`.

A document version's `put_url` is a pre-signed URL: `X-Amz-Date`, `X-Amz-Expires` (28,800 s =
8 hours, as the Documents tag says) and `X-Amz-Signature` over the method, the key, the part and
the expiry. PUT stores the bytes; the `put_headers` Clio returned must be sent (a missing or
different signed header is 403 `SignatureDoesNotMatch`, a wrong `Content-MD5` is 400 `BadDigest`,
as S3 answers, in S3's XML error shape; an Authorization header beside the signature is 400
`InvalidArgument`, S3's "only one auth mechanism"). GET on a signed download URL returns the bytes.
"""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.clio.models import Record, UploadPart

EXPIRES_SECONDS = 28_800
AMZ_DATE = "%Y%m%dT%H%M%SZ"


def _sign(method: str, key: str, part: int, amz_date: str, expires: str) -> str:
    secret = f"sandbox-clio-uploads:{settings.SECRET_KEY}".encode()
    message = f"{method}\n{key}\n{part}\n{amz_date}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_url(base_url: str, key: str, filename: str, method: str, *, part: int = 0) -> str:
    amz_date = datetime.now(UTC).strftime(AMZ_DATE)
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(EXPIRES_SECONDS),
        "X-Amz-SignedHeaders": "content-type;host;x-amz-server-side-encryption"
        if not part
        else "content-length;content-md5;host",
    }
    if part:
        query = {"uploadId": f"sandbox-{key}", "partNumber": str(part)} | query
    query["X-Amz-Signature"] = _sign(method, key, part, amz_date, str(EXPIRES_SECONDS))
    path = f"/sandbox/clio/_uploads/{key}/{quote(filename)}"
    return f"{base_url.rstrip('/')}{path}?{urlencode(query)}"


def _error(status: int, code: str, message: str) -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return HttpResponse(body, status=status, content_type="application/xml")


def _check_signature(request, method: str, key: str, part: int) -> HttpResponse | None:
    params = request.GET
    amz_date, expires = params.get("X-Amz-Date", ""), params.get("X-Amz-Expires", "")
    expected = _sign(method, key, part, amz_date, expires)
    if not hmac.compare_digest(params.get("X-Amz-Signature", ""), expected):
        return _error(403, "SignatureDoesNotMatch", "The request signature does not match.")
    try:
        signed_at = datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
        alive = datetime.now(UTC) <= signed_at + timedelta(seconds=int(expires))
    except ValueError:
        alive = False
    if not alive:
        return _error(403, "AccessDenied", "Request has expired")
    return None


@csrf_exempt
def bucket(request, key: str, filename: str):
    version = Record.objects.filter(type="document_version", data__uuid=key).first()
    if version is None:
        return _error(404, "NoSuchKey", "The specified key does not exist.")
    if request.method == "PUT":
        return _put(request, version, key)
    if request.method == "GET":
        return _get(request, version, key)
    return _error(405, "MethodNotAllowed", "The specified method is not allowed.")


def _put(request, version: Record, key: str) -> HttpResponse:
    try:
        part = int(request.GET.get("partNumber") or 0)
    except ValueError:
        return _error(400, "InvalidArgument", "partNumber must be an integer.")
    if request.headers.get("Authorization"):
        # S3 takes one way of signing a request: a pre-signed URL with an Authorization header
        # too is refused. (GET is spared: here the bucket shares the API's host, so a client
        # following Clio's 303 keeps the header it would drop for S3's own host.)
        return _error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
        )
    refused = _check_signature(request, "PUT", key, part)
    if refused:
        return refused
    body = request.body
    if version.data["fully_uploaded"]:
        return _error(403, "AccessDenied", "The upload is already complete.")
    if part:
        declared = version.data["_parts"].get(str(part))
        if declared is None:
            return _error(404, "NoSuchUpload", "The specified upload part does not exist.")
        if int(request.headers.get("Content-Length") or -1) != declared["content_length"]:
            return _error(
                403, "SignatureDoesNotMatch", "Content-Length differs from the signed one."
            )
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - S3's Content-MD5
        if declared.get("content_md5") and request.headers.get("Content-MD5") != md5:
            return _error(400, "BadDigest", "The Content-MD5 you specified did not match.")
    else:
        for header in version.data["put_headers"]:
            if request.headers.get(header["name"]) != header["value"]:
                return _error(403, "SignatureDoesNotMatch", f"{header['name']} was not as signed.")
    UploadPart.objects.update_or_create(uuid=key, part_number=part, defaults={"content": body})
    response = HttpResponse(status=200)
    response["ETag"] = f'"{hashlib.md5(body).hexdigest()}"'  # noqa: S324 - S3's ETag
    return response


def _get(request, version: Record, key: str) -> HttpResponse:
    refused = _check_signature(request, "GET", key, 0)
    if refused:
        return refused
    parts = UploadPart.objects.filter(uuid=key).order_by("part_number")
    content = b"".join(bytes(p.content) for p in parts)
    response = HttpResponse(content, content_type=version.data["content_type"])
    response["Content-Disposition"] = f'attachment; filename="{version.data["filename"]}"'
    return response
