"""Ingest: validated source records (`records`), their normalisation (`normalize`), the row maps the
statements take (`rows`), batched idempotent upserts (`upsert`) and the API's writes as one more source
system (`api_writes`)."""
