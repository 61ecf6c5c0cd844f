"""The automations API's explicit input and output shapes."""

from rest_framework import serializers

from automations.models import Automation, Run, RunStep


class ConditionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="A trigger field's key: `matter.status`.")
    op = serializers.CharField(help_text="One of the catalog's condition ops: `equals`, ….")
    value = serializers.CharField(required=False, allow_blank=True, default="")


class StepSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="A catalog action id: `quickbooks.create_customer`.")
    inputs = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text='Field key → template or literal: `{"display_name": "{{client.name}}"}`; '
        "earlier steps' outputs as `{{steps.1.id}}`.",
    )
    on_not_found = serializers.ChoiceField(
        choices=["stop", "continue"], required=False, default="stop"
    )


class AutomationOutput(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True)
    steps = StepSerializer(many=True)

    class Meta:
        model = Automation
        fields = [
            "id",
            "name",
            "trigger",
            "conditions",
            "steps",
            "enabled",
            "recipe",
            "failures_in_row",
            "paused_reason",
            "created_at",
            "updated_at",
        ]


class AutomationCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    trigger = serializers.CharField(max_length=80, help_text="A catalog trigger id.")
    conditions = ConditionSerializer(many=True, required=False, default=list)
    steps = StepSerializer(many=True)


class AutomationUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    trigger = serializers.CharField(max_length=80, required=False)
    conditions = ConditionSerializer(many=True, required=False)
    steps = StepSerializer(many=True, required=False)


class RunStepOutput(serializers.ModelSerializer):
    class Meta:
        model = RunStep
        fields = [
            "index",
            "action",
            "status",
            "inputs",
            "sent",
            "output",
            "record_id",
            "record_url",
            "summary",
            "error",
            "fix",
            "attempts",
            "started_at",
            "finished_at",
        ]


class RunEventOutput(serializers.Serializer):
    id = serializers.UUIDField(source="event_id")
    trigger = serializers.CharField()
    key = serializers.CharField()
    summary = serializers.CharField()
    record_id = serializers.CharField()
    record_url = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    data = serializers.JSONField()


class RunOutput(serializers.ModelSerializer):
    automation = serializers.IntegerField(source="automation_id")
    event = RunEventOutput()
    steps = RunStepOutput(source="run_steps", many=True)

    class Meta:
        model = Run
        fields = [
            "id",
            "automation",
            "event",
            "status",
            "test",
            "dry_run",
            "attempts",
            "error",
            "fix",
            "created_at",
            "finished_at",
            "steps",
        ]


class RecipeStepOutput(serializers.Serializer):
    action = serializers.CharField()
    inputs = serializers.DictField(child=serializers.CharField())


class RecipeOutput(serializers.Serializer):
    key = serializers.CharField(source="recipe.key")
    name = serializers.CharField(source="recipe.name")
    description = serializers.CharField(source="recipe.description")
    trigger = serializers.CharField(source="recipe.trigger")
    steps = RecipeStepOutput(source="recipe.steps", many=True)
    conditions = ConditionSerializer(source="recipe.conditions", many=True)
    left_to_map = serializers.ListField(
        source="recipe.left_to_map",
        child=serializers.CharField(),
        help_text="Required inputs the firm maps itself once the draft is made.",
    )
    available = serializers.BooleanField()
    needs = serializers.ListField(
        child=serializers.CharField(),
        help_text="Apps it needs that are not in the catalog yet or not connected.",
    )


class FieldOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField()
    help = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    fields = serializers.ListField(
        child=serializers.DictField(), help_text="A `lines` field's keys, one line's."
    )


class TriggerOutput(serializers.Serializer):
    id = serializers.CharField()
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    fields = FieldOutput(many=True)


class ActionOutput(serializers.Serializer):
    id = serializers.CharField()
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    fields = FieldOutput(many=True)
    outputs = FieldOutput(many=True)


class CatalogAppOutput(serializers.Serializer):
    app = serializers.CharField()
    name = serializers.CharField()
    connected = serializers.BooleanField()
    triggers = TriggerOutput(many=True)
    actions = ActionOutput(many=True)
