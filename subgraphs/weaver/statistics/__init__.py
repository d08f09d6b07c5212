"""Column and table statistics: what to measure and the SQL that measures it (pure), collected on sync."""
