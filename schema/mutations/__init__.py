"""The root `Mutation` (`root`), its inputs (`inputs`) and how each runs in one audited, idempotent
write transaction (`run`)."""
