"""Django's SQLite backend, making the database private when it first opens it.

``ENGINE = "rapport.core.private_sqlite3"`` (settings.DATABASES): the name ends in
``sqlite3`` as Django's does, which is how rapport.core.operations tells a SQLite database.
"""
