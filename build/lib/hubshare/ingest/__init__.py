"""Everything that brings data in, apart from what analyses it.

- ``refresh``: lists the live Hub with ``huggingface_hub`` (``hubshare refresh``);
- ``census``: imports a day of the public census dataset ``cfahlgren1/hub-stats``
  (``hubshare import hub-stats``);
- ``shipped``: converts source files shipped in ``data/raw/`` (``make sample``).

Each writes a standard snapshot through ``hubshare.snapshot.save``. These modules are the only
code that talks to the Hub.
"""
