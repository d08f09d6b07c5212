"""Use cases of Vision: what a resolver or a job asks for, independent of GraphQL."""
