"""Folders and documents: Clio's upload flow (create → PUT to `put_url` → `fully_uploaded`),
multipart uploads, new versions, download, and the errors each step answers."""

import base64
import hashlib

import pytest

UPLOAD_FIELDS = (
    "id,name,latest_document_version{uuid,put_url,put_headers,multiparts,fully_uploaded}"
)


@pytest.fixture
def matter(firm):
    client = firm.act("create_contact", first_name="Dora", last_name="Docs")
    return firm.act("create_matter", client_id=client["id"], description="Files")


def _create(firm, matter_id, name="Motion.pdf", **extra):
    body = {"name": name, "parent": {"id": matter_id, "type": "Matter"}, **extra}
    response = firm.post(f"documents.json?fields={UPLOAD_FIELDS}", body)
    assert response.status_code == 201, response.content
    return response.json()["data"]


def _put(firm, url, content, headers):
    extra = {f"HTTP_{h['name'].upper().replace('-', '_')}": h["value"] for h in headers}
    content_type = extra.pop("HTTP_CONTENT_TYPE", "application/octet-stream")
    extra.pop("HTTP_CONTENT_LENGTH", None)  # the client sets it from the body
    return firm.client.put(url, content, content_type=content_type, **extra)


def test_a_put_with_clios_token_beside_the_signature_is_refused_as_s3_does(firm):
    contact = firm.act("create_contact", name="Token Co", type="Company")
    matter = firm.act("create_matter", client_id=contact["id"], description="Upload")
    version = _create(firm, matter["id"], name="a.txt")["latest_document_version"]
    headers = [*version["put_headers"], {"name": "Authorization", "value": "Bearer x"}]
    refused = _put(firm, version["put_url"], b"hello", headers)
    assert refused.status_code == 400 and b"<Code>InvalidArgument</Code>" in refused.content
    assert _put(firm, version["put_url"], b"hello", version["put_headers"]).status_code == 200


def _complete(firm, doc, **headers):
    key = doc["latest_document_version"]["uuid"]
    return firm.patch(
        f"documents/{doc['id']}.json?fields=id,size,latest_document_version{{fully_uploaded}}",
        {"uuid": key, "fully_uploaded": True},
        **headers,
    )


def test_upload_flow_put_then_fully_uploaded_then_download(firm, matter):
    doc = _create(firm, matter["id"])
    version = doc["latest_document_version"]
    assert version["fully_uploaded"] is False and version["put_url"].startswith("http")
    assert {"name": "Content-Type", "value": "application/pdf"} in version["put_headers"]
    # Until the upload is complete the index leaves the document out.
    assert firm.get("documents.json").json()["meta"]["records"] == 0
    uploaded = _put(firm, version["put_url"], b"%PDF-1.7 motion", version["put_headers"])
    assert uploaded.status_code == 200 and uploaded["ETag"]
    done = _complete(firm, doc)
    assert done.status_code == 200, done.content
    assert done.json()["data"] == {
        "id": doc["id"],
        "size": 15,
        "latest_document_version": {"fully_uploaded": True},
    }
    listed = firm.get("documents.json", {"matter_id": matter["id"], "fields": "id,name"})
    assert listed.json()["data"] == [{"id": doc["id"], "name": "Motion.pdf"}]
    download = firm.get(f"documents/{doc['id']}/download.json")
    assert download.status_code == 303
    content = firm.client.get(download["Location"])
    assert content.status_code == 200 and content.content == b"%PDF-1.7 motion"
    assert content["Content-Type"] == "application/pdf"


def test_marking_uploaded_before_the_put_is_upload_not_found(firm, matter):
    doc = _create(firm, matter["id"])
    response = _complete(firm, doc)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (
        error["type"] == "UploadNotFoundError"
        and doc["latest_document_version"]["uuid"] in (error["message"])
    )


def test_marking_twice_is_422_and_a_wrong_uuid_404(firm, matter):
    doc = _create(firm, matter["id"], name="a.txt")
    version = doc["latest_document_version"]
    _put(firm, version["put_url"], b"hello", version["put_headers"])
    assert _complete(firm, doc).status_code == 200
    assert _complete(firm, doc).status_code == 422
    wrong = firm.patch(f"documents/{doc['id']}.json", {"uuid": "nope", "fully_uploaded": True})
    assert wrong.status_code == 404 and wrong.json()["error"]["type"] == "NotFound"


def test_the_put_needs_the_signed_headers_and_signature(firm, matter):
    doc = _create(firm, matter["id"], name="scan.png")
    version = doc["latest_document_version"]
    no_headers = firm.client.put(version["put_url"], b"x", content_type="image/png")
    assert no_headers.status_code == 403 and b"SignatureDoesNotMatch" in no_headers.content
    forged = version["put_url"].replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert _put(firm, forged, b"x", version["put_headers"]).status_code == 403
    unknown = firm.client.put("/sandbox/clio/_uploads/not-a-uuid/x.png", b"x")
    assert unknown.status_code == 404 and b"NoSuchKey" in unknown.content


def test_multipart_upload_checks_each_part(firm, matter):
    parts = [b"A" * 10, b"B" * 4]
    md5s = [base64.b64encode(hashlib.md5(p).digest()).decode() for p in parts]
    multiparts = [
        {"part_number": n + 1, "content_length": len(p), "content_md5": md5s[n]}
        for n, p in enumerate(parts)
    ]
    doc = _create(firm, matter["id"], name="big.pdf", multiparts=multiparts)
    served = doc["latest_document_version"]["multiparts"]
    assert [m["part_number"] for m in served] == [1, 2]
    assert {"name": "Content-MD5", "value": md5s[0]} in served[0]["put_headers"]
    bad = _put(firm, served[0]["put_url"], b"C" * 10, served[0]["put_headers"])
    assert bad.status_code == 400 and b"BadDigest" in bad.content
    assert _put(firm, served[0]["put_url"], parts[0], served[0]["put_headers"]).status_code == 200
    assert _complete(firm, doc).json()["error"]["type"] == "UploadNotFoundError"
    assert _put(firm, served[1]["put_url"], parts[1], served[1]["put_headers"]).status_code == 200
    assert _complete(firm, doc).json()["data"]["size"] == 14
    download = firm.get(f"documents/{doc['id']}/download.json")
    assert firm.client.get(download["Location"]).content == b"A" * 10 + b"B" * 4


def test_more_than_50_parts_in_one_request_is_422(firm, matter):
    multiparts = [{"part_number": n, "content_length": 5} for n in range(1, 52)]
    body = {"name": "huge.pdf", "parent": {"id": matter["id"], "type": "Matter"}}
    response = firm.post("documents.json", body | {"multiparts": multiparts})
    assert response.status_code == 422


def test_a_document_parent_adds_a_version(firm, matter):
    first = firm.act("upload_document", matter_id=matter["id"], name="memo.txt", content="v1")
    created = firm.post(
        f"documents.json?fields={UPLOAD_FIELDS}",
        {"name": "memo.txt", "parent": {"id": first["id"], "type": "Document"}},
    )
    assert created.status_code == 201 and created.json()["data"]["id"] == first["id"]
    version = created.json()["data"]["latest_document_version"]
    _put(firm, version["put_url"], b"version two", version["put_headers"])
    assert _complete(firm, created.json()["data"]).status_code == 200
    versions = firm.get(
        f"documents/{first['id']}/versions.json", {"fields": "version_number,fully_uploaded"}
    )
    assert versions.json()["data"] == [
        {"version_number": 1, "fully_uploaded": True},
        {"version_number": 2, "fully_uploaded": True},
    ]
    location = firm.get(f"documents/{first['id']}/download.json")["Location"]
    assert firm.client.get(location).content == b"version two"


def test_folders_in_a_matter_and_documents_in_folders(firm, matter):
    made = firm.post(
        "folders.json?fields=id,name,parent{id,name,root},matter{id}",
        {"name": "Pleadings", "parent": {"id": matter["id"], "type": "Matter"}},
    )
    assert made.status_code == 201
    folder = made.json()["data"]
    assert folder["parent"]["root"] is True and folder["matter"] == {"id": matter["id"]}
    twice = firm.post(
        "folders.json", {"name": "Pleadings", "parent": {"id": matter["id"], "type": "Matter"}}
    )
    assert twice.status_code == 422
    doc = firm.act("upload_document", folder_id=folder["id"], name="brief.txt", content="b")
    inside = firm.get("documents.json", {"parent_id": folder["id"], "fields": "id,matter{id}"})
    assert inside.json()["data"] == [{"id": doc["id"], "matter": {"id": matter["id"]}}]
    by_matter = firm.get("folders.json", {"matter_id": matter["id"], "query": "plead"})
    assert by_matter.json()["meta"]["records"] == 1


def test_bad_document_input_is_422_and_unknown_parents_404(firm, matter):
    assert firm.post("documents.json", {"name": "x.pdf"}).status_code == 422
    no_type = firm.post(
        "documents.json", {"name": "x", "parent": {"id": matter["id"], "type": "Matter"}}
    )
    assert no_type.status_code == 422  # no extension and no content_type
    gone = firm.post(
        "documents.json", {"name": "x.pdf", "parent": {"id": 999999, "type": "Matter"}}
    )
    assert gone.status_code == 404 and gone.json()["error"]["type"] == "NotFound"
    assert firm.get("documents/999999/download.json").status_code == 404
    odd_name = {
        "name": "x.pdf",
        "filename": {"a": 1},
        "parent": {"id": matter["id"], "type": "Matter"},
    }
    assert firm.post("documents.json", odd_name).status_code == 422
    odd_folder = {"name": ["x"], "parent": {"id": matter["id"], "type": "Matter"}}
    assert firm.post("folders.json", odd_folder).status_code == 422


def test_another_accounts_document_is_404(firm, other_firm, matter):
    doc = firm.act("upload_document", matter_id=matter["id"], name="secret.txt", content="s")
    assert other_firm.get(f"documents/{doc['id']}.json").status_code == 404
    assert other_firm.get(f"documents/{doc['id']}/download.json").status_code == 404
    assert other_firm.get(f"documents/{doc['id']}/versions.json").status_code == 404


def test_upload_over_real_http(live_server, http):
    """The three steps with a plain HTTP client, as an integration would run them."""
    from tests.sandbox.clio.conftest import make_firm

    firm = make_firm(None)
    base = f"{live_server.url}/sandbox/clio"
    auth = {"Authorization": f"Bearer {firm.token.access_token}"}
    contact = http.post(
        f"{base}/_control/actions",
        json={"action": "create_contact", "account": firm.id, "name": "Live Co", "type": "Company"},
    ).json()["result"]
    matter = http.post(
        f"{base}/us/api/v4/matters.json",
        json={"data": {"client": {"id": contact["id"]}, "description": "Live"}},
        headers=auth,
    ).json()["data"]
    created = http.post(
        f"{base}/us/api/v4/documents.json",
        params={"fields": UPLOAD_FIELDS},
        json={"data": {"name": "live.txt", "parent": {"id": matter["id"], "type": "Matter"}}},
        headers=auth,
    ).json()["data"]
    version = created["latest_document_version"]
    headers = {h["name"]: h["value"] for h in version["put_headers"]}
    assert http.put(version["put_url"], data=b"over the wire", headers=headers).status_code == 200
    done = http.patch(
        f"{base}/us/api/v4/documents/{created['id']}.json",
        json={"data": {"uuid": version["uuid"], "fully_uploaded": True}},
        headers=auth,
    )
    assert done.status_code == 200
    download = http.get(f"{base}/us/api/v4/documents/{created['id']}/download.json", headers=auth)
    assert download.status_code == 200 and download.content == b"over the wire"
    assert download.history[0].status_code == 303
