"""How a catalogue changes over time: what changed, where docs come from, what it means.

* :mod:`.diff`: the semantic diff of two catalogues (breaking or compatible);
* :mod:`.snapshot`: catalogues to compare, from a file, a folder or a git revision;
* :mod:`.sync`: ``wirogen add`` and ``wirogen sync``, fetching docs from Wiro;
* :mod:`.release`: the generated package's version and CHANGELOG, moved by the diff.

These modules read catalogues (:mod:`codegen.schema`, :mod:`codegen.parser`,
:mod:`codegen.catalogue_file`) and never render: :mod:`codegen.render` imports
:mod:`.release`, and :mod:`codegen.cli` the rest, never the other way round.
"""
