"""Identity in the graph: where each source record resolves (`store`), the party built from its
records (`reconcile`), operators' manual decisions (`merges`) and erasure on request (`erase`)."""
