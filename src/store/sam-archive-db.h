/* sam-archive-db.h — a connection of its own for indexing the user's files in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The archive chunks of the store, through a second SQLite connection to the same file: open,
 * use and close it in one thread (the indexer's GTask thread), never on the main context. */
typedef struct _SamArchiveDb SamArchiveDb;

SamArchiveDb *sam_archive_db_open (const char *path, GError **error);
void          sam_archive_db_close (SamArchiveDb *self);

/* The modification time PATH had when its chunks were written; -1 when it has none. */
gint64 sam_archive_db_get_modified (SamArchiveDb *self, const char *path, GError **error);
/* Replaces every chunk of PATH by CHUNKS (strings; the position is the index), all or
 * nothing, and overwrites the old text on disk. No chunks forgets the file. */
gboolean sam_archive_db_replace_file (
    SamArchiveDb *self, const char *path, GPtrArray *chunks, gint64 modified, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamArchiveDb, sam_archive_db_close)

G_END_DECLS
