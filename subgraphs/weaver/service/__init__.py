"""Use cases of Weaver: what a resolver asks for, independent of GraphQL."""
