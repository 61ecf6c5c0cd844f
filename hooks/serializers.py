"""The webhook API's explicit input and output shapes."""

from rest_framework import serializers

from accounts.events import EVENT_TYPES
from hooks.models import Delivery, Subscription
from hooks.services import subscribable


class EventTypeOutput(serializers.Serializer):
    type = serializers.CharField()
    description = serializers.CharField()


class SubscriptionOutput(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = [
            "id",
            "url",
            "description",
            "events",
            "active",
            "failures_in_row",
            "disabled_reason",
            "created_at",
        ]


class SubscriptionSecretOutput(SubscriptionOutput):
    secret = serializers.CharField(
        help_text="Signs every delivery (FirmSync-Signature). Shown now only; store it."
    )

    class Meta(SubscriptionOutput.Meta):
        fields = [*SubscriptionOutput.Meta.fields, "secret"]


MAX_EVENTS = 500  # more than there are types: a list is bounded whatever registers


class EventTypeField(serializers.ChoiceField):
    """An event type, checked against the types known when the request comes: apps above this
    one (automations) register theirs in their AppConfig.ready()."""

    def to_internal_value(self, data):
        self.choices = subscribable()
        return super().to_internal_value(data)


def _events_field(**kwargs) -> serializers.ListField:
    known = subscribable()  # for the schema; the check reads them again (EventTypeField)
    return serializers.ListField(
        child=EventTypeField(choices=known),
        allow_empty=False,
        max_length=MAX_EVENTS,
        help_text="Event types to send: " + ", ".join(known) + ".",
        **kwargs,
    )


class SubscriptionCreateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="An http(s) URL on a public host.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = _events_field()


class SubscriptionUpdateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = _events_field(required=False)
    active = serializers.BooleanField(
        required=False, help_text="Turning it back on forgets the failures that turned it off."
    )


class DeliveryOutput(serializers.ModelSerializer):
    subscription = serializers.IntegerField(source="subscription_id")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "subscription",
            "event_id",
            "type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]


class DeliveryDetailOutput(DeliveryOutput):
    data = serializers.JSONField(source="payload", help_text="The event's `data`, as sent.")

    class Meta(DeliveryOutput.Meta):
        fields = [*DeliveryOutput.Meta.fields, "data", "response_excerpt"]


def event_type_rows() -> list[dict]:
    return [{"type": t, "description": d} for t, d in EVENT_TYPES.items()]
