"""Writing records: plans of minimal-diff edits (records.py, yamledit.py) applied all or nothing
(changes.py, journal.py) through one atomic, guarded write (files.py)."""
