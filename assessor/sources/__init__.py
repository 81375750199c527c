"""Sources turn a live API, a dump or manifest files into plain dicts that remember their origin."""
