"""Dual screening: pure rules at the heart (plain data in, plain data out), the database around them.

- `model`: stages, decision values, the append-only `DecisionEvent` and the current state derived from it.
- `conflicts`: per record of one stage: pending, agreed, conflict; resolutions; the final decision.
- `agreement`: per reviewer pair: n, percent agreement, Cohen's kappa, PABAK, prevalence; kappa over
  time; the calibration pilot.
- `prisma`: the PRISMA 2020 / PRISMA-ScR flow counts, their check, and the flow diagram (SVG, PNG).

Those four are pure: no database. The database side calls them:

- `service`: what the pages and the command line call (blinding enforced there, via `visibility`);
- `decisions_store`: storing decisions (append-only, idempotent, safe under concurrency);
- `queue`: a reviewer's next record; `state`: the derived state kept in step with the events;
- `fulltext`, `notes`, `csv_import`, `settings` (the protocol), `highlight` (safe HTML).

No streamlit anywhere in `review/`.
"""
