"""HTTP only: the Starlette app and its lifespan, GraphQL over HTTP at `/graphql`, the limits checked
before any Cypher runs, per-caller budgets, health probes, and authentication (`auth/`)."""
