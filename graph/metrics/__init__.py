"""Customer value models over RFM summaries: pure numpy/scipy, no database.

- ``rfm``: frequency, recency, age and monetary value from a transaction log;
- ``bgnbd``: the BG/NBD purchase model (fit, P(alive), expected purchases);
- ``gammagamma``: the Gamma-Gamma spend model (fit, expected spend);
- ``clv``: discounted customer lifetime value and churn risk from the two.
"""
