"""Deleting uploaded files that nothing needs any more. Call it once the rows naming them are committed: a
failure then leaves a stray file (logged), never a job whose file is gone."""

import logging

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def delete_stored_files(names):
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("The stored import file %s could not be deleted", name)
