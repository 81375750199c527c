"""The rules engine: rule data from rules/, matcher templates, evaluation into findings."""
