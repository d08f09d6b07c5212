"""Pivot queries: the query model and its validation, the SQL builder and result shaping (no I/O here)."""
