"""Domain model of a datasource's metadata, with no I/O: what introspection produces and the graph stores."""
