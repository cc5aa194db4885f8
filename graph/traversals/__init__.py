"""Relationship traversals in Cypher: referral chains and trees, partner networks, buying committees,
connection paths and next-product affinity; `common` holds what they share (party references, the
scope hook, argument checks)."""
