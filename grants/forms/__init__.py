"""Grants' forms, one module per subject (applications, agreements, cases, decisions, appeals …) and
the shared fields in ``fields``. Forms validate what was typed; saving is the services' job."""
