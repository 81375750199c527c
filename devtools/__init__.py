"""Development tools: the corpus check and the docs generator. Not part of the installed package."""
