"""Trust ledgers, requests and reconciliations."""
