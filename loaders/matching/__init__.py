"""Identity resolution: which source records describe the same party.

Pure Python, no database: the loaders call `find_links` on normalized `PartyRecord`s (built by
`PartyRecord.of`) and `clusters` on the result, then write one party per cluster. Incremental
resolution (`loaders.resolve`) decides the pairs a change touches with the same `Matcher` and the
keys of `blocking.tokens`.

Modules: `config` (records, weights, links), `names` (Soundex, company names, name frequencies),
`features`, `compare` (field and pair scores), `blocking` (keys and candidate pairs), `links`
(the rules, `find_links`, `Matcher`), `clusters` (union-find), `febrl` (the FEBRL yardstick).

How a pair becomes a link:

1. Exact rules: records of the same kind that share a normalized e-mail, phone, national id or
   external id are linked (`exact:email`, `exact:phone`, `exact:national_id`,
   `exact:external_id`). A value shared by more than `MatchConfig.max_exact_group` records is a
   placeholder or a switchboard and links nothing. The rest of the record can veto: people with
   clearly different given names do not merge on a shared mailbox or phone (spouses, families),
   nor on a shared national id when their surname or date of birth differs too (a mistyped or
   dummy id); companies with different names do not merge on a shared phone or mailbox.
2. Fuzzy rules, only between records that share a blocking key (`blocking.person_keys`,
   `blocking.organization_keys`), so the work grows with the number of records, not its square. People
   are scored Fellegi-Sunter style: each field comparison adds log2(m/u) bits, where m is the
   chance of that outcome for a true match and u for two different people; name weights depend
   on how common the name is, and the address counts as one bounded fact. A pair links
   (`fuzzy:person`) when the sum reaches the threshold (`MatchConfig.person_threshold`, higher
   for a population past `threshold_people`: `links.person_threshold`) and some personal field
   agrees (given name, national id, or date of birth / e-mail / phone when the given names do
   not clearly differ), so relatives and twins sharing surname, address and even a birthday are
   kept apart. Organizations compare names without legal forms ("pty ltd", "gmbh"), web domain,
   country (a different country is a veto) and place (`fuzzy:organization`).

Every `Link` carries its rule and its score in bits, so each merge can be explained. `clusters`
is a plain union-find over the links: no pair below the threshold is ever unioned.
"""

from __future__ import annotations

from loaders.matching.blocking import candidate_pairs
from loaders.matching.clusters import clusters, constrained
from loaders.matching.config import FieldWeights, Link, MatchConfig, PartyRecord
from loaders.matching.links import Matcher, find_links, name_stats
from loaders.matching.names import NameStats, organization_name, soundex

__all__ = [
    "FieldWeights",
    "Link",
    "MatchConfig",
    "Matcher",
    "NameStats",
    "PartyRecord",
    "candidate_pairs",
    "clusters",
    "constrained",
    "find_links",
    "name_stats",
    "organization_name",
    "soundex",
]
