"""Cases: custody log, jurisdiction routing, identification import, evidence bundles."""
