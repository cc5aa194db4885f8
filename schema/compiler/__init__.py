"""The query compiler: each root field of an operation becomes one parameterised Cypher statement
whose rows are already the response's shape (see `plan`, `bind`, `shape`, `execute`)."""
