"""Renderers: each takes a document (a dict) and RenderOptions and returns text; none computes anything new.

`assessor.render.registry` says which renderer serves which document kind and format.
"""
