"""Read models: the queries that the analysis, the views and the pages need, each returning
rows or dataclasses in the domain's words. Every query of data that belongs to an
investigation goes through ``crible.store.read.scope.scoped``."""
