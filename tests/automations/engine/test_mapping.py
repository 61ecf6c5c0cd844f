from automations import mapping
from automations.catalog.base import Action, Field, Result

CONTEXT = mapping.context_build(
    data={
        "matter": {"display_number": "00012-Smith", "amount": "1250.5", "tags": ["a", "b"]},
        "client": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "lines": [{"amount": "10", "qty": "2"}],
    },
    event={"id": "e1", "record_url": "https://app.clio.com/nc/#/matters/12"},
    steps={"1": {"id": "981"}},
)


def _action(*fields) -> Action:
    return Action("quickbooks", "x", "X", "", "create", tuple(fields), (), lambda c, i: Result({}))


def test_a_mixed_template_renders_as_text():
    text = "{{matter.display_number}} - {{ client.name }}"
    assert mapping.render(text, CONTEXT) == "00012-Smith - Ada Lovelace"


def test_a_template_of_one_path_keeps_the_raw_value():
    assert mapping.render("{{matter.tags}}", CONTEXT) == ["a", "b"]
    assert mapping.render(" {{steps.1.id}} ", CONTEXT) == "981"
    assert mapping.render("{{event.record_url}}", CONTEXT).endswith("/matters/12")


def test_literals_pass_through_and_missing_paths_render_empty():
    assert mapping.render(42, CONTEXT) == 42
    assert mapping.render("Hi {{client.phone}}!", CONTEXT) == "Hi !"
    assert mapping.render("{{client.phone}}", CONTEXT) == ""
    assert mapping.missing_paths("{{client.phone}} {{client.name}}", CONTEXT) == ["client.phone"]


def test_template_errors_name_unbalanced_braces_and_bad_paths():
    assert mapping.template_errors("{{matter.display_number}} ok") is None
    assert "matching" in mapping.template_errors("{{matter.display_number")
    assert "matching" in mapping.template_errors("x }}")
    assert "not a field path" in mapping.template_errors("{{matter..number}}")
    assert "empty" in mapping.template_errors("{{ }}")
    assert mapping.template_paths("{{a.b}} {{c}} {{a.b}}") == ["a.b", "c"]


def test_inputs_are_converted_to_their_field_types():
    action = _action(
        Field("amount", "Amount", "money"),
        Field("qty", "Quantity", "number"),
        Field("due", "Due", "date"),
        Field("billable", "Billable", "boolean"),
        Field("email", "Email", "email"),
        Field("kind", "Kind", "choice", choices=("Check", "Cash")),
        Field("lines", "Lines", "lines", fields=(Field("amount", "Amount", "money"),)),
    )
    inputs, problems = mapping.inputs_build(
        action,
        {
            "amount": "{{matter.amount}}",
            "qty": "3",
            "due": "2026-12-01T10:00:00Z",
            "billable": "yes",
            "email": "{{client.email}}",
            "kind": "cash",
            "lines": "{{lines}}",
        },
        CONTEXT,
    )
    assert problems == []
    assert inputs == {
        "amount": "1250.50",
        "qty": 3,
        "due": "2026-12-01",
        "billable": True,
        "email": "ada@example.com",
        "kind": "Cash",
        "lines": [{"amount": "10.00"}],
    }


def test_money_rounds_half_up_to_cents_and_never_goes_through_float():
    action = _action(Field("amount", "Amount", "money"))
    assert mapping.inputs_build(action, {"amount": "2.675"}, {})[0] == {"amount": "2.68"}
    assert mapping.inputs_build(action, {"amount": "$1,250"}, {})[0] == {"amount": "1250.00"}


def test_a_file_typed_as_text_is_a_link_or_the_document_as_json():
    action = _action(Field("file", "File", "file"))
    doc = {"name": "a.txt", "content_base64": "QQ=="}
    context = {"doc": doc, "link": "https://files.example/a.txt"}
    assert mapping.inputs_build(action, {"file": "{{doc}}"}, context)[0] == {"file": doc}
    assert mapping.inputs_build(action, {"file": "{{link}}"}, context)[0] == {
        "file": {"url": "https://files.example/a.txt"}
    }
    typed = '{"name": "{{doc.name}}", "content_base64": "QQ=="}'
    assert mapping.inputs_build(action, {"file": typed}, context)[0] == {"file": doc}
    _, problems = mapping.inputs_build(action, {"file": "a.txt"}, context)
    assert problems == [
        "'File': is not a document: map a file from the trigger, or give a link to it."
    ]


def test_problems_are_in_plain_words():
    action = _action(
        Field("name", "Name", required=True),
        Field("amount", "Amount", "money"),
        Field("note", "Note"),
    )
    inputs, problems = mapping.inputs_build(
        action, {"name": "{{client.phone}}", "amount": "abc"}, CONTEXT
    )
    assert inputs == {}
    assert problems == [
        "'Name' is required but came out empty (client.phone had no value).",
        "'Amount': 'abc' is not an amount.",
    ]


def test_conditions_compare_money_numbers_and_dates():
    data = {"total": "1250.00", "status": "Open", "due": "2026-12-01", "tags": ["vip"]}
    hold = mapping.conditions_hold
    assert hold([{"field": "total", "op": "greater_than", "value": "999.99"}], data)
    assert not hold([{"field": "total", "op": "less_than", "value": "1000"}], data)
    assert hold([{"field": "total", "op": "equals", "value": "1250"}], data)
    assert hold([{"field": "due", "op": "less_than", "value": "2026-12-02"}], data)
    assert hold([{"field": "status", "op": "equals", "value": "open"}], data)
    assert hold([{"field": "status", "op": "starts_with", "value": "op"}], data)
    assert hold([{"field": "tags", "op": "contains", "value": "VIP"}], data)
    assert hold([{"field": "missing", "op": "is_empty"}], data)
    assert not hold(
        [
            {"field": "status", "op": "equals", "value": "Open"},
            {"field": "total", "op": "not_equals", "value": "1250.00"},
        ],
        data,
    )
    assert hold([], data)


def test_condition_errors_say_what_is_missing():
    assert mapping.condition_errors([{"field": "a.b", "op": "equals", "value": "x"}]) == []
    errors = mapping.condition_errors(
        [{"field": "", "op": "equals", "value": "x"}, {"field": "a", "op": "bogus"},
         {"field": "a", "op": "greater_than", "value": "lots"}, {"field": "a", "op": "equals"}]
    )  # fmt: skip
    assert errors == [
        "Condition 1: choose a field.",
        "Condition 2: choose a test (equals, not_equals, contains, not_contains, starts_with, "
        "greater_than, less_than, is_empty, is_not_empty).",
        "Condition 3: 'lots' is not a number, an amount or a date.",
        "Condition 4: give a value to compare with.",
    ]
    assert mapping.CONDITION_OPS["greater_than"] == "is greater than"
