"""The pre-migration checklist: one go/no-go document from every other part of assess."""
