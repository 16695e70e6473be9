"""Extraction: the codebook, the study-characteristics form, findings, dual coding and reconciliation.

Pure rules live in `model` (codebook lookups, validation) and `agreement` (matching two coders'
findings, proportion agreement, kappa); the database edges are `codebook`, `forms`, `findings`,
`reconciliation`, and the table in/out `long_table` and `wide_table`.
"""
