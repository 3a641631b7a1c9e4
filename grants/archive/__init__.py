"""The archive: the registry of case numbers and journal entries, and the Noark 5 XML the portal writes."""
