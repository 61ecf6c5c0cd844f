"""Rule packs as data: one pack per jurisdiction, chosen by `TrustAccount.jurisdiction`.

Every rule carries the citation it rests on (the sources listed in docs FIELD.md §(ii), by their
reference numbers there) and a note for counsel: FirmSync tracks these duties, it does not give
legal advice, and where FIELD.md names no number of days or no date, the figure used here is a
house default that the note says is one. Pure data and plain Python: no Django, so the evaluator
and its tests read it without a database."""

from dataclasses import dataclass
from enum import StrEnum

from trust.reconcile import RECONCILE_WITHIN_DAYS


class Jurisdiction(StrEnum):
    """The values stored in `TrustAccount.jurisdiction` (blank means the ABA model pack)."""

    ABA = "ABA"
    CA = "US-CA"
    FL = "US-FL"
    NY = "US-NY"
    TX = "US-TX"
    NC = "US-NC"


class RuleKind(StrEnum):
    # Deadlines: something the firm must do by a date.
    RECONCILIATION = "reconciliation"  # an approved three-way reconciliation for each period
    FILING = "filing"  # done once a period: a certificate, an affirmation, a review
    DEPOSIT_NOTICE = "deposit_notice"  # the client told of each deposit within N days
    DISTRIBUTION = "distribution"  # undisputed funds on a closed matter paid out within N days
    # Watch: a condition that needs a look, not a filing.
    DORMANT_LEDGER = "dormant_ledger"  # money on a ledger with no activity for N days


class Every(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    TWO_YEARS = "two_years"


DEADLINE_KINDS = frozenset(
    {RuleKind.RECONCILIATION, RuleKind.FILING, RuleKind.DEPOSIT_NOTICE, RuleKind.DISTRIBUTION}
)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: RuleKind
    citation: str
    counsel: str  # the "review with counsel" note
    watches: str  # in one sentence, what FirmSync looks at
    every: Every | None = None  # periodic rules
    due_after_days: int = 0  # periodic: due this many days after the period ends
    due_on: tuple[int, int] | None = None  # periodic, yearly: a fixed (month, day) in the year
    days: int | None = None  # notices, distributions, watches: N days

    @property
    def is_deadline(self) -> bool:
        return self.kind in DEADLINE_KINDS


@dataclass(frozen=True)
class Pack:
    jurisdiction: Jurisdiction
    name: str
    retention_years: int
    retention_citation: str
    retention_counsel: str
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


COUNSEL = "Review with counsel: "
# Monthly and quarterly reconciliations are due 30 days after the period ends: FIELD.md sets the
# frequency, not the number of days after the period. The same 30 days as the reconciliation
# pages (trust.reconcile.RECONCILE_WITHIN_DAYS), so a month is overdue on both on the same day.
RECONCILE_GRACE_DAYS = RECONCILE_WITHIN_DAYS


def _reconcile(prefix: str, every: Every, citation: str, counsel: str) -> Rule:
    word = "Monthly" if every == Every.MONTH else "Quarterly"
    return Rule(
        id=f"{prefix}.reconciliation",
        title=f"{word} three-way reconciliation, signed",
        kind=RuleKind.RECONCILIATION,
        every=every,
        due_after_days=RECONCILE_GRACE_DAYS,
        citation=citation,
        counsel=COUNSEL + counsel + " FirmSync counts it done when the period's reconciliation "
        "is prepared and approved by a second person, and due 30 days after the period ends "
        "(a house default: the rule names the frequency, not the day).",
        watches=f"An approved reconciliation for each {every.value} since duties began.",
    )


def _dormant(prefix: str) -> Rule:
    return Rule(
        id=f"{prefix}.dormant-ledger",
        title="Client money with no activity for a year",
        kind=RuleKind.DORMANT_LEDGER,
        days=365,
        citation="ABA Model Rule 1.15: prompt delivery of funds the client is entitled to "
        "[FIELD.md R4]; IOLTA: long-held funds belong in an account that earns for the client "
        "[FIELD.md R9].",
        counsel=COUNSEL + "a year without activity is FirmSync's threshold, not a rule's. "
        "Money nobody claims may be unclaimed property under state law; ask counsel what to do "
        "with it.",
        watches="A client ledger holding money with no entry for 365 days.",
    )


def _prompt_notice(prefix: str, citation: str) -> Rule:
    return Rule(
        id=f"{prefix}.deposit-notice",
        title="Client told of money received",
        kind=RuleKind.DEPOSIT_NOTICE,
        days=14,
        citation=citation,
        counsel=COUNSEL + "this rule asks for prompt notice and names no number of days; "
        "FirmSync flags a deposit not noticed within 14 days (California's figure).",
        watches="A deposit to a client ledger with no notice to the client recorded.",
    )


def _prompt_distribution(prefix: str, citation: str) -> Rule:
    return Rule(
        id=f"{prefix}.distribution",
        title="Undisputed funds delivered promptly",
        kind=RuleKind.DISTRIBUTION,
        days=45,
        citation=citation,
        counsel=COUNSEL + "this rule asks for prompt delivery and names no number of days; "
        "FirmSync flags money left on a closed matter 45 days after its last movement "
        "(California's figure). Disputed amounts stay in trust: mark the ledger held.",
        watches="Money on a closed matter's ledger, not held as disputed, 45 days after its "
        "last entry.",
    )


ABA_NOTICE = (
    "ABA Model Rule 1.15: prompt notice, delivery and accounting to clients and third parties "
    "[FIELD.md R4]."
)
ABA_RECONCILE = (
    "ABA Model Rule on Financial Recordkeeping: a monthly three-way reconciliation of "
    "checkbook, ledger total and adjusted bank balance [FIELD.md R3, R21, R12]."
)

ABA_PACK = Pack(
    jurisdiction=Jurisdiction.ABA,
    name="ABA Model Rules",
    retention_years=5,
    retention_citation="ABA Model Rule 1.15: complete records kept 5 years after the "
    "representation [FIELD.md R4, R3].",
    retention_counsel=COUNSEL + "the ABA counts from the end of the representation; FirmSync "
    "counts from a record's ledger's last activity, which is the same day or later.",
    rules=(
        _reconcile("aba", Every.MONTH, ABA_RECONCILE, "the ABA model rule states monthly."),
        _prompt_notice("aba", ABA_NOTICE),
        _prompt_distribution("aba", ABA_NOTICE),
        _dormant("aba"),
    ),
)

# The longest retention FIELD.md gives (New York and Illinois, 7 years) stands in where it names
# no figure for a state: keeping a record too long harms no one, deleting it early may.
LONGEST_RETENTION = 7
NOT_IN_FIELD = (
    COUNSEL + "FIELD.md gives no retention period for this state; FirmSync keeps records 7 "
    "years (the longest it lists) until counsel confirms the state's figure."
)

CA_PACK = Pack(
    jurisdiction=Jurisdiction.CA,
    name="California",
    retention_years=LONGEST_RETENTION,
    retention_citation="ABA Model Rule 1.15 baseline [FIELD.md R4]; no California period in "
    "FIELD.md.",
    retention_counsel=NOT_IN_FIELD,
    rules=(
        _reconcile(
            "ca",
            Every.MONTH,
            "California: monthly reconciliation expected [FIELD.md R10].",
            "the CTAPP compliance reviews ask for the reconciliations.",
        ),
        Rule(
            id="ca.deposit-notice",
            title="Client notified within 14 days of receiving funds",
            kind=RuleKind.DEPOSIT_NOTICE,
            days=14,
            citation="California Rule 1.15 as amended: notify within 14 days of receiving funds "
            "[FIELD.md R6, R10].",
            counsel=COUNSEL + "compliance reviews ask for evidence of the 14-day notices "
            "[FIELD.md R7]; record the day the notice went out, and keep the notice itself.",
            watches="A deposit to a client ledger with no notice to the client recorded.",
        ),
        Rule(
            id="ca.distribution",
            title="Undisputed funds distributed within 45 days",
            kind=RuleKind.DISTRIBUTION,
            days=45,
            citation="California Rule 1.15 as amended: distribute undisputed funds within 45 "
            "days, or a violation is rebuttably presumed [FIELD.md R6, R10].",
            counsel=COUNSEL + "the 45 days run from when the client is entitled to the funds; "
            "FirmSync can only see the last movement on a closed matter's ledger, so it counts "
            "from there. Disputed amounts stay in trust: mark the ledger held.",
            watches="Money on a closed matter's ledger, not held as disputed, 45 days after its "
            "last entry.",
        ),
        Rule(
            id="ca.ctapp",
            title="CTAPP annual registration, self-assessment and certification",
            kind=RuleKind.FILING,
            every=Every.YEAR,
            due_on=(2, 1),
            citation="California Client Trust Account Protection Program (from 2023): annual "
            "registration of trust accounts, self-assessment, certification [FIELD.md R6, R8].",
            counsel=COUNSEL + "FIELD.md gives no date; 1 February is FirmSync's default for the "
            "year's filing. Over 1,600 lawyers were suspended in 2023 for missing it "
            "[FIELD.md R31].",
            watches="A recorded CTAPP filing for each calendar year.",
        ),
        _dormant("ca"),
    ),
)

FL_PACK = Pack(
    jurisdiction=Jurisdiction.FL,
    name="Florida",
    retention_years=6,
    retention_citation="Florida Rule 5-1.2: records kept 6 years [FIELD.md R12].",
    retention_counsel=COUNSEL + "FirmSync counts from a record's ledger's last activity.",
    rules=(
        _reconcile(
            "fl",
            Every.MONTH,
            "Florida Rule 5-1.2: monthly three-way reconciliation kept in writing [FIELD.md R12].",
            "keep the signed report (FirmSync's PDF) with the month's records.",
        ),
        Rule(
            id="fl.certificate",
            title="Annual trust compliance certificate filed",
            kind=RuleKind.FILING,
            every=Every.YEAR,
            due_on=(8, 15),
            citation="Florida Rule 5-1.2(c)(5): annual trust account compliance certificate, "
            "filed 1 June to 15 August [FIELD.md R14].",
            counsel=COUNSEL + "the window opens 1 June; FirmSync shows the certificate as due "
            "by 15 August of each year.",
            watches="A recorded certificate filing for each calendar year.",
        ),
        _prompt_notice("fl", ABA_NOTICE),
        _dormant("fl"),
    ),
)

NY_PACK = Pack(
    jurisdiction=Jurisdiction.NY,
    name="New York",
    retention_years=7,
    retention_citation="New York Rule 1.15: 7-year retention, counted from the event each record "
    "records [FIELD.md R16, R17].",
    retention_counsel=COUNSEL + "failing to keep or produce the records is itself misconduct "
    "(1.15(j)) [FIELD.md R18].",
    rules=(
        _reconcile(
            "ny",
            Every.MONTH,
            "Three-way reconciliation, monthly in most states [FIELD.md R12, R21, T2]; New York "
            "requires complete records under Rule 1.15 [FIELD.md R16].",
            "FIELD.md names no New York frequency; monthly is the general practice it describes.",
        ),
        Rule(
            id="ny.affirmation",
            title="Biennial affirmation of Rule 1.15 compliance",
            kind=RuleKind.FILING,
            every=Every.TWO_YEARS,
            due_after_days=0,
            citation="22 NYCRR 691.12: a biennial affirmation of Rule 1.15 compliance "
            "[FIELD.md R19].",
            counsel=COUNSEL + "the affirmation goes with the lawyer's biennial registration, "
            "whose date depends on the lawyer; FirmSync asks for it by the end of every second "
            "year from when duties began.",
            watches="A recorded affirmation for each two-year period.",
        ),
        _prompt_notice("ny", ABA_NOTICE),
        _dormant("ny"),
    ),
)

TX_PACK = Pack(
    jurisdiction=Jurisdiction.TX,
    name="Texas",
    retention_years=5,
    retention_citation="Texas Rule 1.14: complete records kept 5 years [FIELD.md R20].",
    retention_counsel=COUNSEL + "FirmSync counts from a record's ledger's last activity.",
    rules=(
        _reconcile(
            "tx",
            Every.MONTH,
            "Texas Rule 1.14 (Safekeeping Property) sets no reconciliation frequency; monthly is "
            "best practice [FIELD.md R20].",
            "monthly is best practice here, not the rule's text.",
        ),
        _prompt_distribution(
            "tx",
            "Texas Rule 1.14: disbursements only to persons entitled; undisputed portions "
            "distributed [FIELD.md R20].",
        ),
        _prompt_notice("tx", ABA_NOTICE),
        _dormant("tx"),
    ),
)

NC_PACK = Pack(
    jurisdiction=Jurisdiction.NC,
    name="North Carolina",
    retention_years=LONGEST_RETENTION,
    retention_citation="ABA Model Rule 1.15 baseline [FIELD.md R4]; no North Carolina period "
    "in FIELD.md.",
    retention_counsel=NOT_IN_FIELD,
    rules=(
        _reconcile(
            "nc",
            Every.QUARTER,
            "North Carolina Rule 1.15-3: quarterly three-way reconciliation [FIELD.md R23, T8].",
            "whoever signs trust cheques must not do the reconciliations [FIELD.md R23].",
        ),
        Rule(
            id="nc.quarterly-review",
            title="Quarterly random review of at least 3 transactions",
            kind=RuleKind.FILING,
            every=Every.QUARTER,
            due_after_days=RECONCILE_GRACE_DAYS,
            citation="North Carolina Rule 1.15-3: a quarterly random review of at least 3 "
            "transactions [FIELD.md R23, T8].",
            counsel=COUNSEL + "FIELD.md gives no day; FirmSync asks for it 30 days after the "
            "quarter ends, with the quarter's reconciliation.",
            watches="A recorded review for each quarter.",
        ),
        Rule(
            id="nc.annual-accounting",
            title="Annual accounting to each client",
            kind=RuleKind.FILING,
            every=Every.YEAR,
            due_after_days=RECONCILE_GRACE_DAYS,
            citation="North Carolina Rule 1.15-3: an annual accounting to each client "
            "[FIELD.md R23].",
            counsel=COUNSEL + "FIELD.md gives no day; FirmSync asks for the year's accountings "
            "to be recorded by 30 January of the next year.",
            watches="A recorded annual accounting for each calendar year.",
        ),
        _prompt_notice("nc", ABA_NOTICE),
        _dormant("nc"),
    ),
)

PACKS: dict[Jurisdiction, Pack] = {
    p.jurisdiction: p for p in (ABA_PACK, CA_PACK, FL_PACK, NY_PACK, TX_PACK, NC_PACK)
}


def pack_for(jurisdiction: str) -> Pack:
    """The pack for a `TrustAccount.jurisdiction`; blank (or a state without a pack) is ABA."""
    try:
        return PACKS[Jurisdiction(jurisdiction)]
    except ValueError:
        return ABA_PACK


def jurisdiction_choices() -> list[tuple[str, str]]:
    return [(p.jurisdiction.value, p.name) for p in PACKS.values()]
