"""Action outputs: the record's own fields (records.*_FIELDS) and its link."""

from automations.catalog.base import Field
from automations.catalog.quickbooks import records

URL = Field("url", "Link")


def outputs(entity: str, *extra: Field) -> tuple[Field, ...]:
    return (*records.SHAPES[entity][2], URL, *extra)
