"""Clio actions on a matter's documents: a folder, and an upload in Clio's three steps.

Upload (https://docs.developers.clio.com/api-reference/#tag/Documents, "Uploading a new
document"): POST the document with `multiparts` and `fields=...latest_document_version{uuid,
multiparts}` → PUT the bytes to each part's signed `put_url` with its `put_headers` → PATCH the
document `{uuid, fully_uploaded: true}`. The signed URL is the storage's (S3 in Clio), not
Clio's API: it is sent without Clio's token (a pre-signed URL refuses a second auth mechanism,
and the token must not leave Clio), through its own client with timeouts and retries.
"""

import base64
import binascii
import hashlib
import mimetypes
from urllib.parse import urljoin

import requests
from django.core.exceptions import ValidationError

from automations.catalog.base import Action, ActionError, Ctx, Field, Result, Sent
from automations.catalog.clio.common import an_id, dry, made, opt_id, read, send
from hooks.safety import url_check
from sync.providers.errors import ProviderError
from sync.providers.http import HttpClient

MAX_BYTES = 25 * 1024 * 1024  # a step carries the file in memory: keep it to a sane size
FETCH_TIMEOUT = (5.0, 60.0)
UPLOAD_FIELDS = "id,name,latest_document_version{uuid,multiparts}"
DOCUMENT_OUT = "id,name,filename,content_type,size,parent{id,type},matter{id,display_number}"


def file_read(value) -> tuple[str, str, bytes]:
    """The `file` input as (name, content type, bytes): given inline in base64, or by URL."""
    if not isinstance(value, dict) or not (value.get("content_base64") or value.get("url")):
        raise ActionError(
            "The file is missing.",
            "Map a file: a document from the trigger, or a URL the file can be fetched from.",
        )
    if value.get("url"):
        return _fetch(str(value["url"]), value)
    try:
        content = base64.b64decode(value["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ActionError("The file's content is not base64.", "Map the file as given.") from None
    return _named(value, content)


def _named(value: dict, content: bytes, fallback: str = "document") -> tuple[str, str, bytes]:
    if len(content) > MAX_BYTES:
        raise ActionError("The file is larger than 25 MB.", "Upload it in Clio itself.")
    name = str(value.get("name") or fallback).strip() or fallback
    kind = value.get("content_type") or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, kind, content


def _fetch(url: str, value: dict) -> tuple[str, str, bytes]:
    """GET the file, following up to 3 redirects, each checked: never into our own network."""
    for _ in range(4):
        _check(url)
        try:
            response = requests.get(url, timeout=FETCH_TIMEOUT, stream=True, allow_redirects=False)
            if response.is_redirect and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            content = response.raw.read(MAX_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise ActionError(
                f"The file could not be fetched ({type(exc).__name__}).", "Check the URL."
            ) from None
        break
    else:
        raise ActionError("The file's URL redirects too often.", "Map the file's final URL.")
    if response.status_code != 200:
        raise ActionError(
            f"The file's URL answered {response.status_code}.", "Check the URL is reachable."
        )
    fallback = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "document"
    value = {"content_type": response.headers.get("Content-Type", "").split(";")[0], **value}
    return _named({k: v for k, v in value.items() if v}, content, fallback)


def _check(url: str) -> None:
    try:
        url_check(url)
    except ValidationError as exc:
        reason = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
        raise ActionError(f"The file's URL cannot be used: {reason}", "Map a public URL.") from None


def _parent(inputs: dict) -> dict:
    folder = opt_id(inputs, "folder_id")
    if folder:
        return {"id": folder, "type": "Folder"}
    return {"id": an_id(inputs, "matter_id"), "type": "Matter"}


# https://docs.developers.clio.com/api-reference/#tag/Documents/operation/Document#create
def upload_document(ctx: Ctx, inputs: dict) -> Result:
    parent = _parent(inputs)
    filename, content_type, content = file_read(inputs.get("file"))
    name = str(inputs.get("name") or filename)
    md5 = base64.b64encode(hashlib.md5(content).digest()).decode()  # noqa: S324 - S3's Content-MD5
    body = {
        "name": name,
        "parent": parent,
        "content_type": content_type,
        "multiparts": [{"part_number": 1, "content_length": len(content), "content_md5": md5}],
    }
    created = send(ctx, "POST", "documents.json", body, fields=UPLOAD_FIELDS, part="document")
    if created is None:
        return dry(
            "upload", f"{name} ({len(content)} bytes) to {parent['type'].lower()} {parent['id']}"
        )
    version = created["latest_document_version"]
    for part in version["multiparts"]:
        _put(ctx, part, content)
    done = {"uuid": version["uuid"], "fully_uploaded": True}
    document = send(
        ctx, "PATCH", f"documents/{created['id']}.json", done, fields=DOCUMENT_OUT, part="complete"
    )
    assert document is not None  # not a dry run: the create above was sent
    output = {k: document.get(k) for k in ("id", "name", "filename", "content_type", "size")}
    output["folder_id"] = (document.get("parent") or {}).get("id")
    summary = (
        f"Uploaded {document['name']} ({document.get('size')} bytes) as document {document['id']}"
    )
    return made(ctx, "documents", document, output, summary)


def _put(ctx: Ctx, part: dict, content: bytes) -> None:
    headers = {h["name"]: h["value"] for h in part.get("put_headers") or []}
    ctx.sent.append(Sent("PUT", part["put_url"].split("?")[0], {}, f"<{len(content)} bytes>"))
    storage = HttpClient(provider="clio", base_url=part["put_url"])
    try:
        # Keyless but safe to retry: the same bytes to the same signed URL.
        storage.request("PUT", part["put_url"], data=content, headers=headers, retry_writes=True)
    except ProviderError as exc:
        raise ActionError(
            f"Clio's file storage refused the upload: {exc.message}",
            "Retry the run; if it fails again, upload the file in Clio itself.",
        ) from None


# https://docs.developers.clio.com/api-reference/#tag/Folders/operation/Folder#create
def create_matter_folder(ctx: Ctx, inputs: dict) -> Result:
    name = str(inputs.get("name") or "").strip()
    if not name:
        raise ActionError("The folder needs a name.", "Map “name” in this step.")
    parent = _parent(inputs)
    fields = "id,name,parent{id,type},matter{id,display_number}"
    # Clio refuses a second folder of the same name in one place: one made already (a folder
    # per month, the month's second document) is the folder asked for.
    existing = _folder_named(ctx, name, parent, fields)
    if existing is not None:
        output = {"id": existing["id"], "name": existing["name"]}
        output["parent_id"] = (existing.get("parent") or {}).get("id")
        summary = f"Found folder {existing['id']} “{name}”, already there"
        return made(ctx, "folders", existing, output, summary, found=True)
    folder = send(ctx, "POST", "folders.json", {"name": name, "parent": parent}, fields=fields)
    if folder is None:
        return dry("create folder", f"“{name}” in {parent['type'].lower()} {parent['id']}")
    output = {"id": folder["id"], "name": folder["name"]}
    output["parent_id"] = (folder.get("parent") or {}).get("id")
    return made(ctx, "folders", folder, output, f"Created folder {folder['id']} “{name}”")


# https://docs.developers.clio.com/api-reference/#tag/Folders/operation/Folder#index
def _folder_named(ctx: Ctx, name: str, parent: dict, fields: str) -> dict | None:
    """The folder of that exact name directly in `parent` (a folder, or the matter's own)."""
    where = (
        {"parent_id": parent["id"]} if parent["type"] == "Folder" else {"matter_id": parent["id"]}
    )
    found = read(ctx, "folders.json", query=name, fields=fields, limit=200, **where)
    named = [f for f in found.get("data", []) if f.get("name") == name]
    if parent["type"] == "Folder" or not named:
        return named[0] if named else None
    # In the matter's own folder: the one whose parent is the matter's root folder.
    ids = {(f.get("parent") or {}).get("id") for f in named}
    parents = sorted(i for i in ids if i is not None)
    tops = read(ctx, "folders.json", **{"ids[]": parents}, fields="id,root", limit=200)
    roots = {p["id"] for p in tops.get("data", []) if p.get("root")}
    return next((f for f in named if (f.get("parent") or {}).get("id") in roots), None)


def _f(key: str, label: str, kind: str = "string", **kw) -> Field:
    return Field(key, label, kind, **kw)


ACTIONS: list[Action] = [
    Action(
        "clio",
        "create_matter_folder",
        "Create matter folder",
        "Creates a folder in a matter's documents (or inside another folder).",
        "create",
        (
            _f("matter_id", "Matter ID", "id", required=True),
            _f("name", "Folder name", required=True),
            _f("folder_id", "Inside folder (ID)", "id", help="The matter's own folder when empty"),
        ),
        (
            _f("id", "ID", "id"),
            _f("name", "Name"),
            _f("parent_id", "Parent folder ID", "id"),
            _f("url", "Link in Clio"),
        ),
        create_matter_folder,
    ),
    Action(
        "clio",
        "upload_document",
        "Upload document to matter",
        "Uploads a file to a matter's documents (or to a folder of it).",
        "create",
        (
            _f("matter_id", "Matter ID", "id", required=True),
            _f("file", "File", "file", required=True),
            _f("name", "Document name", help="The file's name when empty"),
            _f("folder_id", "Folder ID", "id", help="The matter's own folder when empty"),
        ),
        (
            _f("id", "ID", "id"),
            _f("name", "Name"),
            _f("filename", "File name"),
            _f("content_type", "Content type"),
            _f("size", "Size (bytes)", "number"),
            _f("folder_id", "Folder ID", "id"),
            _f("url", "Link in Clio"),
        ),
        upload_document,
    ),
]
