"""The mirror of Clio: contacts, matters, bills, payments (filled by the sync engine)."""
