"""Git: run it (repo.py), read the log into every version of every record file (history.py,
versions.py), link the versions along the commit graph (lineage.py), install the pre-commit hook
(hooks.py)."""
