"""Read-only queries against datasources: the statement check (pure) lives here."""
