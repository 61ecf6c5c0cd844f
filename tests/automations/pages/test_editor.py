"""The editor's edits on a draft, without a page: removing a step keeps later references right."""

from django.http import QueryDict

from automations.editor import Draft, draft_edit


def test_removing_a_step_renumbers_later_references_and_marks_those_to_it():
    draft = Draft(
        name="A",
        trigger="clio.new_matter",
        steps=[
            {"action": "a.one", "inputs": {"x": "1"}},
            {"action": "a.two", "inputs": {"y": "{{steps.1.id}}"}},
            {
                "action": "a.three",
                "inputs": {"z": "{{steps.2.id}} of {{ steps.1.id}}", "w": "{{m}}"},
            },
        ],
    )
    draft = draft_edit(draft, "remove_step:1", QueryDict())
    assert [s["action"] for s in draft.steps] == ["a.two", "a.three"]
    assert draft.steps[0]["inputs"] == {"y": "{{steps.removed.id}}"}
    assert draft.steps[1]["inputs"] == {"z": "{{steps.1.id}} of {{steps.removed.id}}", "w": "{{m}}"}


def test_an_edit_out_of_range_changes_nothing():
    draft = Draft(steps=[{"action": "a.one", "inputs": {}}])
    for command in ("remove_step:3", "remove_step:x", "remove_condition:1", "insert:9:k", "nope"):
        assert draft_edit(draft, command, QueryDict()).steps == [{"action": "a.one", "inputs": {}}]
