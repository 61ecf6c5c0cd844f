"""Receivers of the signals of the layers below (connected in automations.apps)."""

from automations.polling import triggers_wake


def clio_change_wake(sender=None, *, firm_id: int, model: str, **kwargs) -> int:
    """A Clio webhook delivery was stored: poll the firm's triggers that wake on its model."""
    return triggers_wake(firm_id=firm_id, app="clio", names=[model])
