"""Batch packages between the clerk's PC and the judge's PC (issue 15, docs/packages.md).

A live database is never shared over a network. The clerk sends a submitted batch as one file
(`send`), the judge opens it into a local workspace database built with the normal migrations
(`workspace`), spot-checks, accepts and signs there with the ordinary review and orders code, and
writes an answer file (`answer`) that the clerk's database imports (`answer_import`)."""
