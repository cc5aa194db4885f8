"""Schema migrations: constraints and indexes, each idempotent (`IF NOT EXISTS`).

Applied by `c360 db migrate` and again at API start-up; running them twice changes nothing.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncDriver

# Every statement is safe to run again. Order matters only in that constraints come first.
MIGRATIONS: tuple[tuple[str, LiteralString], ...] = (
    ("party_id", "CREATE CONSTRAINT party_id IF NOT EXISTS FOR (n:Party) REQUIRE n.id IS UNIQUE"),
    (
        "product_id",
        "CREATE CONSTRAINT product_id IF NOT EXISTS FOR (n:Product) REQUIRE n.id IS UNIQUE",
    ),
    ("order_id", "CREATE CONSTRAINT order_id IF NOT EXISTS FOR (n:Order) REQUIRE n.id IS UNIQUE"),
    (
        "order_line_id",
        "CREATE CONSTRAINT order_line_id IF NOT EXISTS FOR (n:OrderLine) REQUIRE n.id IS UNIQUE",
    ),
    (
        "interaction_id",
        "CREATE CONSTRAINT interaction_id IF NOT EXISTS FOR (n:Interaction) REQUIRE n.id IS UNIQUE",
    ),
    (
        "survey_response_id",
        "CREATE CONSTRAINT survey_response_id IF NOT EXISTS "
        "FOR (n:SurveyResponse) REQUIRE n.id IS UNIQUE",
    ),
    ("deal_id", "CREATE CONSTRAINT deal_id IF NOT EXISTS FOR (n:Deal) REQUIRE n.id IS UNIQUE"),
    (
        "source_record_id",
        "CREATE CONSTRAINT source_record_id IF NOT EXISTS FOR (n:SourceRecord) REQUIRE n.id IS UNIQUE",
    ),
    ("party_email", "CREATE INDEX party_email IF NOT EXISTS FOR (n:Party) ON (n.email)"),
    ("party_status", "CREATE INDEX party_status IF NOT EXISTS FOR (n:Party) ON (n.status)"),
    ("party_country", "CREATE INDEX party_country IF NOT EXISTS FOR (n:Party) ON (n.country)"),
    ("party_created", "CREATE INDEX party_created IF NOT EXISTS FOR (n:Party) ON (n.createdAt)"),
    ("order_date", "CREATE INDEX order_date IF NOT EXISTS FOR (n:Order) ON (n.date)"),
    ("interaction_at", "CREATE INDEX interaction_at IF NOT EXISTS FOR (n:Interaction) ON (n.at)"),
    # Full-text search (`schema/search.py`): accents folded ("konig" finds "König"). It replaces
    # `party_search`, whose analyzer did not fold (an index's analyzer cannot be changed).
    ("drop_party_search", "DROP INDEX party_search IF EXISTS"),
    (
        "party_text",
        "CREATE FULLTEXT INDEX party_text IF NOT EXISTS FOR (n:Person|Organization|Household) "
        "ON EACH [n.name, n.email, n.phone] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
    ),
    (
        "apikey_id",
        "CREATE CONSTRAINT apikey_id IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.id IS UNIQUE",
    ),
    (
        "audit_entry_id",
        "CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.id IS UNIQUE",
    ),
    ("audit_entry_at", "CREATE INDEX audit_entry_at IF NOT EXISTS FOR (n:AuditEntry) ON (n.at)"),
    (
        "audit_entry_actor",
        "CREATE INDEX audit_entry_actor IF NOT EXISTS FOR (n:AuditEntry) ON (n.actor)",
    ),
    (
        "audit_entry_target",
        "CREATE INDEX audit_entry_target IF NOT EXISTS FOR (n:AuditEntry) ON (n.target)",
    ),
    # The metrics customers are filtered and sorted on (`c360 metrics compute` stores them).
    ("party_clv", "CREATE INDEX party_clv IF NOT EXISTS FOR (n:Party) ON (n.clv)"),
    (
        "party_churn_risk",
        "CREATE INDEX party_churn_risk IF NOT EXISTS FOR (n:Party) ON (n.churnRisk)",
    ),
    ("party_revenue", "CREATE INDEX party_revenue IF NOT EXISTS FOR (n:Party) ON (n.revenue)"),
    (
        "party_lifecycle",
        "CREATE INDEX party_lifecycle IF NOT EXISTS FOR (n:Party) ON (n.lifecycleStage)",
    ),
    # Mutations: one receipt per principal and client mutation id (`graph/security/receipts.py`).
    (
        "mutation_receipt_id",
        "CREATE CONSTRAINT mutation_receipt_id IF NOT EXISTS "
        "FOR (n:MutationReceipt) REQUIRE n.id IS UNIQUE",
    ),
    (
        "mutation_receipt_target",
        "CREATE INDEX mutation_receipt_target IF NOT EXISTS FOR (n:MutationReceipt) ON (n.target)",
    ),
    # Manual identity decisions (`graph/identity/merges.py`), read by every identity resolution.
    (
        "identity_decision_id",
        "CREATE CONSTRAINT identity_decision_id IF NOT EXISTS "
        "FOR (n:IdentityDecision) REQUIRE n.id IS UNIQUE",
    ),
    # Incremental identity resolution (`graph/identity/progress.py`): the blocking keys of each
    # party record, looked up token by token; the records of a kind, counted to age the model.
    (
        "source_record_keys",
        "CREATE FULLTEXT INDEX source_record_keys IF NOT EXISTS FOR (n:SourceRecord) "
        "ON EACH [n.matchKeys] OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
    ),
    (
        "source_record_kind",
        "CREATE INDEX source_record_kind IF NOT EXISTS FOR (n:SourceRecord) ON (n.kind)",
    ),
    (
        "identity_model_id",
        "CREATE CONSTRAINT identity_model_id IF NOT EXISTS "
        "FOR (n:IdentityModel) REQUIRE n.id IS UNIQUE",
    ),
    # Trusted GraphQL documents by SHA-256 (`graph/security/documents.py`).
    (
        "trusted_document_id",
        "CREATE CONSTRAINT trusted_document_id IF NOT EXISTS "
        "FOR (n:TrustedDocument) REQUIRE n.id IS UNIQUE",
    ),
    # Root lists in id order (`customers`, `brokers`) walk their own label's ids: walking every
    # party's read 314,509 parties (the contacts' ids sort first) for the first 50 customers of 1M.
    ("customer_id", "CREATE INDEX customer_id IF NOT EXISTS FOR (n:Customer) ON (n.id)"),
    ("broker_id", "CREATE INDEX broker_id IF NOT EXISTS FOR (n:Broker) ON (n.id)"),
)


async def migrate(driver: AsyncDriver, database: str) -> list[str]:
    """Apply every migration and wait for the indexes to come online. Returns the names applied."""
    applied = []
    async with driver.session(database=database) as session:
        for name, statement in MIGRATIONS:
            await (await session.run(statement)).consume()
            applied.append(name)
        await (await session.run("CALL db.awaitIndexes(300)")).consume()
    return applied
