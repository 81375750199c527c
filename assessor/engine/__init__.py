"""The generic rules engine: rule loading with a schema, the Template contract, conditions, one evaluate.

Check packages (docker, rke, versions, migration's forecast) register templates and condition
keys as a CheckPackage; assessor.catalog lists them. The engine imports none of them.
"""
