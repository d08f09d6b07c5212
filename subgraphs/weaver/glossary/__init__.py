"""The business glossary's domain logic (no I/O): term data, CSV format, import planning."""
