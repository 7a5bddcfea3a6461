"""Cited extractive answers over Vietnamese news articles."""
