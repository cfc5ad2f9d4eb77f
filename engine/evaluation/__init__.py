"""`decide-sql eval`: execution accuracy of the engine, and of a same-model baseline, on question files."""
