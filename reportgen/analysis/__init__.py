"""Pure numerics: the dataset in, frozen result dataclasses out. No HTML, no file writing.

The steps live in their own modules (neighbors, projections, quality, summary, browser);
``reportgen.analysis.pipeline.analyze`` orders them. Importing this package imports none of
them, so a step's module can be used (and tested) on its own.
"""
