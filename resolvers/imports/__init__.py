"""Imports and exports: WordPress (WXR), Ghost (JSON) and Markdown folders in, and the native
JSON Lines export/import (backup, migration, staging copies).

Format modules (``wordpress``, ``ghost``, ``markdown``, ``native``) only parse and map: they turn
a source into the neutral items of ``items``. ``writer`` writes those items through the same
validation, slug, redirect and change-hook code as the API's commands. May import ``resolvers``
(never ``schema`` or ``gateway``).
"""
