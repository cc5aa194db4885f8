"""Who is asking and what they did: the principal every layer sees, API keys, the audit trail and
mutation receipts (idempotency)."""
