"""The seed's API (Renderbus' ``rayvision_sync``, the calls users know) on rfsync's engine.

:mod:`.upload` (``RfsyncUpload``, ``upload_asset``, ``multi_thread_upload`` …), :mod:`.download`
(``RfsyncDownload``, ``download``, ``auto_download`` …) and :mod:`.options`, where the seed's
arguments (``is_db``, ``thread_num``, ``task_id_list``, ``max_speed`` in KB/s …) are checked and
mapped onto the engine's names. Import the module that owns a name (the façade ``rfsync_core``
re-exports the public ones); this ``__init__`` imports nothing, so the submodule ``upload`` and the
function ``upload`` never shadow each other.
"""
