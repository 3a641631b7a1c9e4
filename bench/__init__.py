"""`make bench`: seed a scale data set, serve the portal with gunicorn on PostgreSQL and load its pages.

Not part of `make test`. Entry point: ``bench/run.py`` (see its docstring).
"""
