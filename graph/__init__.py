"""Everything that talks to Neo4j: settings, the driver, migrations, the local server manager, and the
Cypher of every feature: reads (`read/`), traversals, identity, ingest, security and metrics. The only
package that opens sessions or sees the driver's exceptions."""
