"""Views of the grants app: public call pages, the county's application, and its files."""
