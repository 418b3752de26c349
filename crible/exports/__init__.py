"""Renderers of a confirmed case file (``crible.model.cases.CaseFile``), by name in ``registry``.

What each export contains (only files that reviewers confirmed; never a picture of one):

- ``ncmec``: NCMEC CyberTipline ``<report>`` XML of a platform case (incident type and
  date, chats as chat incidents, the reporter from the operator's configuration, each
  account reported with its identity), and per uploaded file a ``<fileDetails>`` document
  (MD5, SHA-1, SHA-256, viewed by the ESP, industry classification for NCMEC-scheme
  categories); both validated against NCMEC's XSD; ``ncmec_client`` sends them.
- ``caseuco``: CASE/UCO JSON-LD: the investigation, files with hashes, accounts and the
  people they were identified as, messages and their threads, one provenance record per
  evidence item, the investigative actions (export or scan, match, review, custody).
- ``vics``: Project VIC VICS 2.0 JSON: one record per file with its hashes and VIC-US category.
- ``dossier-html`` / ``dossier-pdf``: the prosecutor's dossier in French or English, per
  authority or per suspect: summary, identities, accounts, indicators with their evidence,
  chats, timeline, network picture, confirmed items by hash, category and date, custody
  summary, the evidence bundle's manifest hash.
"""
