"""NL→pivot: a question in plain language becomes a validated pivot query through a language model."""
