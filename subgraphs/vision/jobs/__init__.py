"""Long work off the web processes: a Redis job queue (saq), the worker that runs it, and the event bus."""
