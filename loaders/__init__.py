"""Source files to the graph: mappings, reading files, rows to validated records, the load, identity
resolution and its matcher, and the demo sample generator (`sample/`). Never imports `schema`."""
