"""Read Cypher for the API: node positions, relations, keyset pages, criteria, scopes, and the
renderer that turns a selection (an IR free of GraphQL) into one parameterised statement."""
