"""Folders and documents, with Clio's upload flow (spec, Documents tag "Uploading a new document").

1. `POST /documents?fields=id,latest_document_version{uuid,put_url,put_headers}` with `name` and
   `parent {id, type: Matter|Contact|Folder|Document}` creates the document and a version whose
   `put_url` is a signed URL (S3 in Clio; `/sandbox/clio/_uploads/...` here) and `put_headers`
   the headers that must accompany the PUT. `multiparts: [{part_number, content_length,
   content_md5?}]` (at most 50 per request) gives one signed URL per part instead.
2. The client PUTs the bytes there (storage.py plays the bucket).
3. `PATCH /documents/{id}` with `uuid` and `fully_uploaded: true` checks that every part arrived
   (else 422 `UploadNotFoundError`) and makes the version current; a parent of type `Document`
   adds a new version to that document. `GET /documents/{id}/download` answers 303 to a signed
   GET URL of the bytes. Until the upload is marked complete the document is left out of the
   index (`show_uncompleted=true` includes it).
"""

import mimetypes
import uuid as uuidlib

from django.utils import timezone

from sandbox.clio import storage, store
from sandbox.clio.models import Account, Record, UploadPart
from sandbox.clio.store import ApiError

MAX_PARTS_PER_REQUEST = 50
TOP_TYPES = ("Matter", "Contact")
# The nine top-level media types Clio accepts when the extension says nothing (Documents tag).
MEDIA_TOP_LEVELS = ("text", "image", "audio", "video", "application", "font", "model", "message")


def _invalid(message: str) -> ApiError:
    return ApiError(422, "ValidationError", message)


# -- folders --------------------------------------------------------------------------------


def root_folder(account: Account, owner: Record) -> Record:
    """The matter's or contact's own folder, made the first time something is put in it."""
    key = owner.type
    found = Record.objects.filter(
        account=account,
        type="folder",
        deleted=False,
        data__root=True,
        **{f"data__{key}__id": owner.id},
    ).first()
    if found:
        return found
    name = owner.data.get("display_number") or owner.data.get("name") or str(owner.id)
    data = _folder_data(name, None, {key: {"id": owner.id}}, None)
    return store.create(account, "folder", data | {"root": True})


def _folder_data(name, parent: Record | None, owners: dict, user_id) -> dict:
    return {
        "name": name,
        "type": "Folder",
        "root": False,
        "locked": False,
        "deleted_at": None,
        "parent": {"id": parent.id, "type": "Folder"} if parent else None,
        "matter": owners.get("matter"),
        "contact": owners.get("contact"),
        "creator": {"id": user_id} if user_id else None,
        "external_properties": [],
    }


def parent_folder(account: Account, parent, allowed=("Folder", *TOP_TYPES)) -> Record:
    if not isinstance(parent, dict) or parent.get("type") not in allowed:
        raise _invalid(f"Parent must be {{id, type}} with type {', '.join(allowed)}.")
    if parent["type"] == "Folder":
        return store.get(account, "folder", parent.get("id"))
    return root_folder(account, store.get(account, parent["type"].lower(), parent.get("id")))


def _owners(folder: Record) -> dict:
    return {k: folder.data.get(k) for k in ("matter", "contact")}


def _unique_name(account, folder: Record, name: str, type_: str, skip: int | None = None) -> None:
    same = Record.objects.filter(
        account=account, type=type_, deleted=False, parent_id=folder.id, data__name=name
    ).exclude(pk=skip)
    if same.exists():
        raise _invalid("Name has already been taken in this folder.")


def folder_create(ctx, data: dict) -> Record:
    from sandbox.clio.resources import _missing

    _missing("folders", data)
    if not isinstance(data["name"], str) or not data["name"].strip():
        raise _invalid("Name must be a non-empty string.")
    parent = parent_folder(ctx.account, data["parent"])
    _unique_name(ctx.account, parent, data["name"], "folder")
    out = _folder_data(data["name"], parent, _owners(parent), ctx.user_id)
    return store.create(ctx.account, "folder", out)


def folder_update(ctx, record: Record, data: dict) -> Record:
    changes = {}
    if "parent" in data:
        parent = parent_folder(ctx.account, data["parent"])
        if parent.id == record.id:
            raise _invalid("A folder can't be its own parent.")
        changes.update(parent={"id": parent.id, "type": "Folder"}, **_owners(parent))
    if "name" in data:
        if not isinstance(data["name"], str) or not data["name"].strip():
            raise _invalid("Name can't be blank.")
        changes["name"] = data["name"]
    parent_ref = changes.get("parent") or record.data.get("parent")
    if "name" in changes and parent_ref:
        parent = store.get(ctx.account, "folder", parent_ref["id"])
        _unique_name(ctx.account, parent, changes["name"], "folder", skip=record.id)
    return store.update(record, changes)


# -- documents ------------------------------------------------------------------------------


def _content_type(name, given) -> str:
    if not isinstance(name, str) or not name:
        raise _invalid("Filename must be a non-empty string.")
    if given:
        if not isinstance(given, str) or given.split("/")[0] not in MEDIA_TOP_LEVELS:
            raise _invalid("Content type is not a valid media type.")
        return given
    guessed, _ = mimetypes.guess_type(name)
    if guessed is None:
        raise _invalid("Content type can't be determined from the file name; give content_type.")
    return guessed


def document_create(ctx, data: dict, *, base_url: str) -> Record:
    from sandbox.clio.resources import _missing

    _missing("documents", data)
    name = data["name"]
    if not isinstance(name, str):
        raise _invalid("Name must be a string.")
    parent = data["parent"]
    if isinstance(parent, dict) and parent.get("type") == "Document":
        document = store.get(ctx.account, "document", parent.get("id"), lock=True)
        return _new_version(ctx, document, data, base_url)
    folder = parent_folder(ctx.account, parent)
    filename = data.get("filename") or name
    out = {
        "name": name,
        "filename": filename,
        "content_type": _content_type(filename, data.get("content_type")),
        "size": 0,
        "type": "Document",
        "locked": False,
        "deleted_at": None,
        "received_at": data.get("received_at") or store.stamp(timezone.now()),
        "parent": {"id": folder.id, "type": "Folder"},
        "creator": {"id": ctx.user_id},
        "external_properties": [],
        "latest_document_version": None,
        "_uploaded": False,
        **_owners(folder),
    }
    document = store.create(ctx.account, "document", out)
    return _new_version(ctx, document, data, base_url, first=True)


def _new_version(ctx, document: Record, data: dict, base_url: str, *, first=False) -> Record:
    filename = data.get("filename") or data.get("name") or document.data["filename"]
    content_type = _content_type(filename, data.get("content_type"))
    number = Record.objects.filter(
        account=ctx.account, type="document_version", data__document_id=document.id
    ).count()
    key = str(uuidlib.uuid4())
    version = {
        "document_id": document.id,
        "uuid": key,
        "filename": filename,
        "size": 0,
        "version_number": number + 1,
        "content_type": content_type,
        "received_at": data.get("received_at") or store.stamp(timezone.now()),
        "fully_uploaded": False,
        "creator": {"id": ctx.user_id},
        "put_headers": [
            {"name": "x-amz-server-side-encryption", "value": "AES256"},
            {"name": "Content-Type", "value": content_type},
        ],
        "_parts": {},
    }
    version |= _upload_urls(base_url, key, filename, data.get("multiparts"), {})
    record = store.create(ctx.account, "document_version", version)
    latest = {"latest_document_version": {"id": record.id}}
    if not first:  # a new version of an existing document is a change to that document
        return store.update(document, latest)
    # The document's own first version is part of its creation: no "updated" event for it.
    document.data |= latest
    Record.objects.filter(pk=document.pk).update(data=document.data)
    return document


def _upload_urls(base_url: str, key: str, filename: str, multiparts, known: dict) -> dict:
    if multiparts in (None, []):
        return {"put_url": storage.signed_url(base_url, key, filename, "PUT"), "multiparts": []}
    if not isinstance(multiparts, list) or len(multiparts) > MAX_PARTS_PER_REQUEST:
        raise _invalid(f"Multiparts must be a list of at most {MAX_PARTS_PER_REQUEST} parts.")
    parts, served = dict(known), []
    for part in multiparts:
        number, length = _part(part)
        md5 = part.get("content_md5")
        parts[str(number)] = {"content_length": length, "content_md5": md5}
        headers = [{"name": "Content-Length", "value": str(length)}]
        if md5:
            headers.append({"name": "Content-MD5", "value": md5})
        url = storage.signed_url(base_url, key, filename, "PUT", part=number)
        served.append({"part_number": number, "put_url": url, "put_headers": headers})
    return {"put_url": None, "multiparts": served, "_parts": parts}


def _part(part) -> tuple[int, int]:
    if not isinstance(part, dict):
        raise _invalid("Each multipart must be an object.")
    try:
        number, length = int(part.get("part_number")), int(part.get("content_length"))
    except (TypeError, ValueError):
        raise _invalid("part_number and content_length are required integers.") from None
    if not 1 <= number <= 10_000 or length < 0:
        raise _invalid("part_number must be between 1 and 10,000.")
    return number, length


def document_update(ctx, record: Record, data: dict, *, base_url: str) -> Record:
    if "fully_uploaded" in data or "multiparts" in data:
        version = _version_by_uuid(ctx.account, record, data.get("uuid"))
        if _truthy(data.get("fully_uploaded")):
            return _complete(record, version)
        store.update(version, _more_parts(version, data.get("multiparts"), base_url))
        return record
    changes = {}
    if "parent" in data:
        folder = parent_folder(ctx.account, data["parent"])
        changes.update(parent={"id": folder.id, "type": "Folder"}, **_owners(folder))
    for key in ("name", "received_at"):
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                raise _invalid(f"{key.replace('_', ' ').capitalize()} can't be blank.")
            changes[key] = data[key]
    return store.update(record, changes)


def _truthy(value) -> bool:
    return value in (True, "true", "1", 1)


def _version_by_uuid(account, document: Record, key) -> Record:
    if not key:
        raise _invalid("uuid can't be blank.")
    version = Record.objects.filter(
        account=account, type="document_version", data__document_id=document.id, data__uuid=key
    ).first()
    if version is None:
        raise ApiError(404, "NotFound", f"Could not find a version with uuid {key}.")
    return version


def _more_parts(version: Record, multiparts, base_url: str) -> dict:
    data = version.data
    if data["fully_uploaded"]:
        raise _invalid("The document is already marked as fully uploaded.")
    return _upload_urls(base_url, data["uuid"], data["filename"], multiparts, data["_parts"])


def _complete(document: Record, version: Record) -> Record:
    data = version.data
    if data["fully_uploaded"]:
        raise _invalid("The document is already marked as fully uploaded.")
    wanted = [int(n) for n in data["_parts"]] or [0]
    stored = dict(
        UploadPart.objects.filter(uuid=data["uuid"], part_number__in=wanted).values_list(
            "part_number", "content"
        )
    )
    if set(stored) != set(wanted):
        raise ApiError(
            422,
            "UploadNotFoundError",
            f"A matching remote file was not found for the file named {data['filename']} "
            f"with UUID {data['uuid']}",
        )
    size = sum(len(bytes(c)) for c in stored.values())
    store.update(version, {"fully_uploaded": True, "size": size, "put_url": None})
    return store.update(
        document,
        {
            "latest_document_version": {"id": version.id},
            "filename": data["filename"],
            "content_type": data["content_type"],
            "size": size,
            "_uploaded": True,
        },
    )


def upload_complete(account: Account, user_id: int, data: dict, content: bytes) -> Record:
    """Create, upload and complete in one go (the control API's `upload_document`)."""

    class _Ctx:
        pass

    ctx = _Ctx()
    ctx.account, ctx.user_id = account, user_id
    document = document_create(ctx, data, base_url="http://sandbox.invalid")
    latest = document.data["latest_document_version"]["id"]
    version = store.get(account, "document_version", latest)
    UploadPart.objects.create(uuid=version.data["uuid"], part_number=0, content=content)
    return _complete(store.get(account, "document", document.id, lock=True), version)


def documents_special(qs, params):
    if params.get("show_uncompleted") != "true":
        qs = qs.filter(data___uploaded=True)
    return qs


def download_location(account: Account, document: Record, version_id, base_url: str) -> str:
    if version_id:
        version = store.get(account, "document_version", version_id)
        if version.data["document_id"] != document.id:
            raise ApiError(404, "NotFound", f"Could not find document_version {version_id}.")
    else:  # the newest version whose upload is complete
        version = (
            Record.objects.filter(
                account=account,
                type="document_version",
                data__document_id=document.id,
                data__fully_uploaded=True,
            )
            .order_by("-pk")
            .first()
        )
    if version is None or not version.data["fully_uploaded"]:
        raise ApiError(404, "NotFound", "The document has not been uploaded yet.")
    data = version.data
    return storage.signed_url(base_url, data["uuid"], data["filename"], "GET")
