"""GraphQL: the Strawberry types of every feature, the Query and Mutation roots, scalars, enums, ids and
cursors, the role x field matrix (`access`), and the compiler from operations to Cypher (`compiler/`)."""
