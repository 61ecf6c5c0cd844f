"""Intuit's error envelopes and the faults the sandbox raises.

Shapes follow the real responses in specs/quickbooks/samples_xml (fault.xml,
customer_duplicate_error.xml,
query_validation_error.xml, too_many_requests_error.xml) in their JSON form:
`{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": ...}, "time": ...}`.
Messages and details are the wording Intuit returns (developer.intuit.com "handling common errors",
blog 2017-06-08 "Top QuickBooks Online API errors").
"""

from sandbox.quickbooks.clock import intuit_time


class QBOFault(Exception):
    """A fault answered in Intuit's envelope with an HTTP status."""

    def __init__(self, code, message, detail, *, status=400, element="", kind="ValidationFault"):
        super().__init__(f"{code} {message}")
        self.code, self.message, self.detail = str(code), message, detail
        self.status, self.element, self.kind = status, element, kind

    def fault(self) -> dict:
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        error["element"] = self.element
        return {"Error": [error], "type": self.kind}

    def body(self) -> dict:
        return {"Fault": self.fault(), "time": intuit_time()}


def stale_object(entity: str) -> QBOFault:
    return QBOFault(
        5010,
        "Stale Object Error",
        "Stale Object Error : You and sandbox@intuit.example were working on this at the same "
        "time. sandbox@intuit.example finished before you did, so your work was not saved.",
    )


def duplicate_doc_number(doc: str, txn_type: str, txn_id: int) -> QBOFault:
    return QBOFault(
        6140,
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has "
        f"already been used. DocNumber={doc} is assigned to TxnType={txn_type} with TxnId={txn_id}",
    )


def duplicate_name(kind: str) -> QBOFault:
    # customer_duplicate_error.xml: "Another $$customer$$ is already using this name." with the
    # placeholder filled by the list the clashing name lives in.
    return QBOFault(
        6240,
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {kind} is already using this name. "
        "Please use a different name.",
    )


def period_closed() -> QBOFault:
    return QBOFault(
        6210,
        "Account Period Closed, Cannot Update Through Services API",
        "The account period has closed and the account books cannot be updated through the QBO "
        "Services API. Please use the QBO website to make these changes.",
    )


def deposited() -> QBOFault:
    return QBOFault(
        6540,
        "Deposited Transaction cannot be changed",
        "This transaction has been deposited. If you want to change or delete it, you must first "
        "edit the deposit it appears on and remove it.",
    )


def not_found(entity: str = "") -> QBOFault:
    return QBOFault(
        610, "Object Not Found", "Object Not Found : Another user has deleted this transaction."
    )


def inactive_reference(element: str = "") -> QBOFault:
    return QBOFault(
        610,
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. Check the "
        "fields with accounts, customers, items, vendors or employees.",
        element=element,
    )


def invalid_reference(ref: str, value) -> QBOFault:
    return QBOFault(
        2500,
        "Invalid Reference Id",
        f"Invalid Reference Id : {ref} assigned to this transaction has been deleted or does not "
        f"exist: Id={value}",
        element=ref,
    )


def required(name: str) -> QBOFault:
    return QBOFault(
        2020,
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        element=name,
    )


def too_long(name: str, limit: int) -> QBOFault:
    return QBOFault(
        2050,
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{limit} "
        f"supported. Supplied length:{limit + 1}",
        element=name,
    )


def business(detail: str) -> QBOFault:
    return QBOFault(
        6000,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def amount_mismatch(amount) -> QBOFault:
    return QBOFault(
        6070,
        "Amount calculation incorrect in the request",
        f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
    )


def no_name() -> QBOFault:
    return QBOFault(
        6080,
        "No Name Provided",
        "Title, GivenName, MiddleName, FamilyName, DisplayName, Suffix - one of these must be "
        "non-empty",
    )


def unsupported(detail: str) -> QBOFault:
    return QBOFault(
        500,
        "Unsupported Operation",
        f"Operation {detail} is not supported.",
        kind="ValidationFault",
    )


def invalid_query(detail: str) -> QBOFault:
    # query_validation_error.xml
    return QBOFault(4001, "Invalid query", f"QueryValidationError: {detail}")


def query_parse(detail: str) -> QBOFault:
    return QBOFault(4000, "Error parsing query", f"QueryParserError: {detail}")


def request_invalid(detail: str) -> QBOFault:
    return QBOFault(2010, "Request has invalid or unsupported property", detail)


def throttled() -> QBOFault:
    # too_many_requests_error.xml (status 429; the older variant said 403)
    return QBOFault(
        3001,
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later",
        status=429,
        kind="SERVICE",
    )


def system_error(status: int) -> QBOFault:
    # generic_error.xml
    return QBOFault(
        10000,
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. "
        "Please wait a few minutes and try again. "
        "If the problem persists, contact customer support.",
        status=status,
        kind="SystemFault",
    )


def auth_failed_body(detail: str) -> dict:
    """The 401 body. Intuit's gateway answers in lower case (tap-quickbooks parses `fault`)."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": intuit_time(),
        "status": None,
        "cdcresponse": [],
    }
