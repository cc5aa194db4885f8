"""Traversal roots answered on the executor (not compiled), one module per graph traversal:
`referrals` (referral chains), `referral_tree` (referral trees and their cursors), `partners`
(partner networks), `committees` (buying committees of accounts and deals), `paths` (connection
paths), `affinity` (next-product affinity), over `graph.traversals`. `common` holds what they
share: `TraversalParty`, the resolver skeleton (`run`) and the generic dataclass mirror.
"""

from schema.traversals.affinity import (
    CustomerAffinity,
    ProductAffinity,
    resolve_likely_next_products,
    resolve_next_products,
)
from schema.traversals.committees import (
    BuyingCommittee,
    resolve_buying_committee,
    resolve_deal_committee,
)
from schema.traversals.partners import PartnerNetwork, resolve_partner_network
from schema.traversals.paths import Connections, resolve_connection_paths
from schema.traversals.referral_tree import ReferralTree, resolve_referral_tree
from schema.traversals.referrals import ReferralChain, resolve_referral_chain

__all__ = [
    "BuyingCommittee",
    "Connections",
    "CustomerAffinity",
    "PartnerNetwork",
    "ProductAffinity",
    "ReferralChain",
    "ReferralTree",
    "resolve_buying_committee",
    "resolve_connection_paths",
    "resolve_deal_committee",
    "resolve_likely_next_products",
    "resolve_next_products",
    "resolve_partner_network",
    "resolve_referral_chain",
    "resolve_referral_tree",
]
