"""Reading a vault: walk its files, read and parse each safely, cache what was read, and index the
records (Vault)."""
