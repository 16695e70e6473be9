"""Extraction: the codebook, the study-characteristics form, findings, dual coding and reconciliation.

Pure rules live in `model` (codebook lookups, validation) and `agreement` (matching two coders'
findings, proportion agreement, kappa); the database edges are `codebook`, `forms`, `findings`,
`reconciliation`, and the tables in and out: findings `long_table` (one row per finding) and
`wide_findings` (one row per study, a column per code), characteristics `characteristics_table`
(one row per study and field) and `wide_table` (a coding table, a column per field).
"""
