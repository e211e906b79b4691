"""Lark grammars of delegopts, shipped as package data (``delegopts.grammars``)."""
