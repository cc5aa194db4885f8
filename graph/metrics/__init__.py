"""Customer value metrics: the models and the Cypher that feeds them and stores their results.

Pure numpy/scipy, no database:
- ``rfm``: frequency, recency, age and monetary value from a transaction log;
- ``bgnbd``: the BG/NBD purchase model (fit, P(alive), expected purchases);
- ``gammagamma``: the Gamma-Gamma spend model (fit, expected spend);
- ``clv``: discounted customer lifetime value and churn risk from the two;
- ``lifecycle``: lifecycle stage and signals by documented rules.

Reading and writing the graph:
- ``compute``: `c360 metrics compute`, which reads orders, fits the models and writes per-node metrics;
- ``aggregates``: account, broker, household and product metrics aggregated in Cypher;
- ``kpis``: portfolio KPIs for a period and a set of customers;
- ``models``: the stored `:ValueModel` nodes.
"""
