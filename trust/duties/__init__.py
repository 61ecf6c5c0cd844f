"""Jurisdiction rule packs for trust accounts: which duties a state's trust rules set (deadlines
and watches), a pure evaluator that turns an account's records into a calendar of what is due,
the reads and writes around it, email reminders and record retention."""
