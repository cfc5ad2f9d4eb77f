"""What the database stores: the value index, probes about literals, and doubts about a query that ran."""
