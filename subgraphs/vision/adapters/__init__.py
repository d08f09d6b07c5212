"""Clients of the services Vision calls: Weaver (catalog, glossary), Airflow, an OpenAI-compatible model."""
