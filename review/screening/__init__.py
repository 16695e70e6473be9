"""Dual screening, as pure computations: plain data in, plain data out.

- `model`: stages, decision values, the append-only `DecisionEvent` and the current state derived from it.
- `conflicts`: per record of one stage: pending, agreed, conflict; resolutions; the final decision.
- `agreement`: per reviewer pair: n, percent agreement, Cohen's kappa, PABAK, prevalence; kappa over
  time; the calibration pilot.
- `prisma`: the PRISMA 2020 / PRISMA-ScR flow counts, their check, and the flow diagram (SVG, PNG).

No database and no streamlit here: the store reads the events and calls these functions.
"""
