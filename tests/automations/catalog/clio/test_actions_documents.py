"""A folder and an upload to a matter for real in the sandbox (Clio's three upload steps), read
back through Clio's API and its download link."""

import base64

import pytest
import requests

from automations.catalog.base import ActionError
from sync.services import connection_access_token
from tests.automations.catalog.clio.conftest import WEB, run


def _download(clio, document_id) -> requests.Response:
    token = connection_access_token(connection_id=clio.connection.pk)
    url = f"{clio.base}/sandbox/clio/us/api/v4/documents/{document_id}/download"
    answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False)
    assert answer.status_code == 303
    return answer


def test_create_matter_folder_then_upload_a_file_into_it(clio):
    _, matter = clio.seed()
    folder, _ = run(clio, "create_matter_folder", {"matter_id": matter["id"], "name": "2026-12"})
    stored = clio.get(f"folders/{folder.output['id']}.json", fields="name,matter{id},parent{id}")
    assert stored["name"] == "2026-12" and stored["matter"] == {"id": matter["id"]}
    assert folder.record_url == f"{WEB}/nc/#/matters/{matter['id']}/documents"

    content = b"%PDF-1.7 engagement letter"
    file = {"name": "Engagement.pdf", "content_base64": base64.b64encode(content).decode()}
    inputs = {"matter_id": matter["id"], "folder_id": folder.output["id"], "file": file}
    result, ctx = run(clio, "upload_document", inputs)
    assert [(s.method, s.path.split("/")[-1]) for s in ctx.sent] == [
        ("POST", "documents.json"),
        ("PUT", "Engagement.pdf"),
        ("PATCH", f"{result.output['id']}.json"),
    ]
    document = clio.get(
        f"documents/{result.output['id']}.json",
        fields="name,size,content_type,parent{id},matter{id}",
    )
    assert document == {
        "name": "Engagement.pdf",
        "size": len(content),
        "content_type": "application/pdf",
        "parent": {"id": folder.output["id"]},
        "matter": {"id": matter["id"]},
    }
    signed = _download(clio, result.output["id"]).headers["Location"]
    assert requests.get(signed, timeout=10).content == content
    assert result.output["size"] == len(content) and "Uploaded Engagement.pdf" in result.summary

    # The same file again, fetched from a URL (here: the signed link of the first upload).
    again, _ = run(
        clio,
        "upload_document",
        {"matter_id": matter["id"], "file": {"url": signed}, "name": "Copy.pdf"},
    )
    signed = _download(clio, again.output["id"]).headers["Location"]
    assert requests.get(signed, timeout=10).content == content


def test_a_dry_run_uploads_nothing_and_bad_files_are_refused(clio):
    _, matter = clio.seed()
    file = {"name": "a.txt", "content_base64": base64.b64encode(b"hello").decode()}
    dry, ctx = run(clio, "upload_document", {"matter_id": matter["id"], "file": file}, dry_run=True)
    assert (
        dry.output == {} and dry.summary == f"Would upload a.txt (5 bytes) to matter {matter['id']}"
    )
    assert ctx.sent[0].body["data"]["multiparts"][0]["content_length"] == 5
    folder, _ = run(
        clio, "create_matter_folder", {"matter_id": matter["id"], "name": "X"}, dry_run=True
    )
    assert folder.output == {}
    assert clio.get("documents.json", fields="id", show_uncompleted="true") == []
    assert clio.get("folders.json", fields="id", query="X") == []

    with pytest.raises(ActionError) as error:
        run(clio, "upload_document", {"matter_id": matter["id"]})
    assert error.value.message == "The file is missing."
    with pytest.raises(ActionError):
        run(clio, "upload_document", {"matter_id": matter["id"], "file": {"content_base64": "%%%"}})
    with pytest.raises(ActionError):
        run(clio, "create_matter_folder", {"matter_id": matter["id"], "name": " "})


def test_a_file_url_inside_our_network_is_refused(clio, settings):
    settings.HOOKS_ALLOW_PRIVATE_URLS = False
    _, matter = clio.seed()
    with pytest.raises(ActionError) as error:
        run(clio, "upload_document", {"matter_id": matter["id"], "file": {"url": f"{clio.base}/x"}})
    assert "private or local" in error.value.message


def test_a_folder_of_the_same_name_in_the_same_place_is_found_not_made_again(clio):
    """A folder per month: the month's second document finds the folder the first one made,
    in the matter's own folder or inside another; the same name elsewhere is another folder."""
    _, matter = clio.seed()
    first, _ = run(clio, "create_matter_folder", {"matter_id": matter["id"], "name": "2026-12"})
    again, ctx = run(clio, "create_matter_folder", {"matter_id": matter["id"], "name": "2026-12"})
    assert again.found is True and again.output["id"] == first.output["id"]
    assert [s.method for s in ctx.sent] == []  # nothing written
    inner, _ = run(
        clio,
        "create_matter_folder",
        {"matter_id": matter["id"], "folder_id": first.output["id"], "name": "2026-12"},
    )
    assert inner.found is not True and inner.output["id"] != first.output["id"]
    inner_again, _ = run(
        clio,
        "create_matter_folder",
        {"matter_id": matter["id"], "folder_id": first.output["id"], "name": "2026-12"},
    )
    assert inner_again.found is True and inner_again.output["id"] == inner.output["id"]
    named = clio.get("folders.json", fields="id", query="2026-12", matter_id=matter["id"])
    assert len(named) == 2
