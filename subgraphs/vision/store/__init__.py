"""Vision's PostgreSQL and Redis access: cube definitions, materialized views, refresh runs, pivot cache."""
