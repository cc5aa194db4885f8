"""Identity in the graph: where each source record resolves (`store`), the party built from its
records (`reconcile`), operators' manual decisions (`merges`), erasure on request (`erase`), and the
durable state of identity resolution: pending records, blocking-key tokens, links, the name model
(`progress`)."""
