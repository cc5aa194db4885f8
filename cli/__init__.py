"""`c360`, the operator's command line: the one package that imports every other (api, schema, graph,
loaders)."""
