"""Shared foundations: settings, errors, the viewer, school years and the database."""
