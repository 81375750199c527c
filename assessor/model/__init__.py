"""The object model every layer shares.

Objects and where they came from, findings, input problems, version strings and cluster.yml.
Imports nothing else of the project.
"""
