"""Pages of the key-account app: ``accounts`` (list, new, overview, details, team,
timeline), ``tabs`` (contacts, plan, roadmap, activities, agreements) and ``portfolio``
(board, agenda, levels, agreement alerts, handover, vocabularies)."""
