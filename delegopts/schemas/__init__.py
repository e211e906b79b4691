"""JSON Schemas of what delegopts writes (``output.schema.json``)."""
