"""Court dispositions (issue 19): matters filed at the counter (petitions and applications under
HS 11361.8, form CR-400) or opened for bulk-list counts the prosecution challenged (HS 11361.9),
the prosecution's responses (CR-402), notices, hearings, the judicial officer's ruling per count,
and where every in-scope count stands (`status`).

Layer 5 (docs/architecture.md): built from the records, the evaluation runs and the review. Orders
made from the rulings are the orders package's work; this package only stores rulings."""
