"""Evaluation runs: the pure engine (desktop.rules) applied to the stored records in one
transaction, policy versions saved by the court, and the comparison with gogen's output."""
