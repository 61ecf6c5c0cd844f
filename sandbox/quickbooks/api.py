"""The Accounting API under /v3/company/{realmId}/ (developer.intuit.com "REST API features").

`minorversion` is accepted and ignored: since 2025-08-01 every call is served as minor version 75
or later (blogs.intuit.com 2025-01-21). Answers are JSON (`Accept: application/json`).
"""

from django.views.decorators.csrf import csrf_exempt

from sandbox.quickbooks import faults
from sandbox.quickbooks.entities import BY_SEGMENT
from sandbox.quickbooks.gate import api_call, envelope, read_json
from sandbox.quickbooks.models import Company
from sandbox.quickbooks.query import parse, run
from sandbox.quickbooks.reports import REPORTS
from sandbox.quickbooks.services import (
    WriteOptions,
    entity_create,
    entity_delete,
    entity_update,
    entity_void,
)
from sandbox.quickbooks.store import record_get


def _spec(segment: str):
    spec = BY_SEGMENT.get(segment.lower())
    if spec is None:
        raise faults.QBOFault(
            10000,
            "An application error has occurred while processing your request",
            f"System Failure Error: Could not find resource for relative : /{segment}",
            status=400,
            kind="SystemFault",
        )
    return spec


def _include(request) -> set:
    return {p.strip().lower() for p in request.GET.get("include", "").split(",") if p.strip()}


@csrf_exempt
def entity_collection(request, realm: str, segment: str):
    """POST create/update/delete/void; GET /preferences (the singleton)."""
    method = request.method
    return api_call(
        request, realm, f"{method} {segment.lower()}", lambda c: _collection(request, c, segment)
    )


def _collection(request, company: Company, segment: str):
    spec = _spec(segment)
    if request.method == "GET":
        if spec.kind != "single":
            raise faults.unsupported(f"GET /{segment} without an Id")
        return 200, envelope(spec.name, _single(company, spec.name))
    if request.method != "POST":
        raise faults.unsupported(request.method)
    body = read_json(request)
    return 200, envelope(spec.name, entity_write(company, spec, body, request))


def entity_write(company: Company, spec, body: dict, request, options_void=False) -> dict:
    operation = (request.GET.get("operation") or "").lower()
    include = _include(request)
    opts = WriteOptions(include=include)
    if operation == "delete":
        return entity_delete(company, spec, body, opts)
    if operation == "void" or options_void or (operation == "update" and "void" in include):
        # Payment void = operation=update&include=void (Payment doc page).
        return entity_void(company, spec, body, opts)
    if body.get("Id") or operation == "update":
        return entity_update(company, spec, body, opts)
    return entity_create(company, spec, body, opts)


def _single(company: Company, name: str) -> dict:
    rec = record_get(company, name, 1)
    if rec is None:
        raise faults.not_found(name)
    return rec.data


@csrf_exempt
def entity_detail(request, realm: str, segment: str, rid: str):
    return api_call(
        request, realm, f"GET {segment.lower()}", lambda c: _detail(request, c, segment, rid)
    )


def _detail(request, company: Company, segment: str, rid: str):
    spec = _spec(segment)
    if spec.name == "CompanyInfo":
        # The route is GET /companyinfo/{realmId}.
        if rid != company.realm_id:
            raise faults.not_found(spec.name)
        return 200, envelope(spec.name, _single(company, spec.name))
    if request.method != "GET":
        raise faults.unsupported(request.method)
    rec = record_get(company, spec.name, rid)
    if rec is None or rec.deleted:
        raise faults.not_found(spec.name)
    return 200, envelope(spec.name, rec.data)


@csrf_exempt
def query_view(request, realm: str):
    return api_call(request, realm, f"{request.method} query", lambda c: _query(request, c))


def _query(request, company: Company):
    text = request.GET.get("query")
    if request.method == "POST" and not text:
        # POST body with Content-Type application/text (python-quickbooks, Intuit query doc).
        text = request.body.decode("utf-8", "replace")
    if not text:
        raise faults.required("query")
    return 200, envelope("QueryResponse", run(company, parse(text)))


@csrf_exempt
def report_view(request, realm: str, report: str):
    """GET /reports/{name} (Intuit "Reports API"); the sandbox serves TrialBalance."""
    return api_call(request, realm, f"GET reports/{report}", lambda c: _report(request, c, report))


def _report(request, company: Company, report: str):
    build = REPORTS.get(report.lower())
    if request.method != "GET":
        raise faults.unsupported(request.method)
    if build is None:
        raise faults.unsupported(f"Report {report}")
    return 200, build(request, company)
