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

/* Why a file, or a mail of a mailbox, was not learned from. */
typedef enum
{
  SAM_ARCHIVE_FAILURE_UNREADABLE, /* damaged, binary, unreadable: the whole file */
  SAM_ARCHIVE_FAILURE_SET_ASIDE,  /* text that speaks to an AI with instructions */
} SamArchiveFailureKind;

/* One remembered failure of a file, as it was when it was read: MODIFIED (µs) and SIZE. */
typedef struct
{
  SamArchiveFailureKind kind;
  char                 *title; /* a mail's subject, or NULL */
  char                 *reason;
  gint64                modified;
  gint64                size;
} SamArchiveFailure;

SamArchiveFailure      *
sam_archive_failure_new (SamArchiveFailureKind kind, const char *title, const char *reason);
void sam_archive_failure_free (SamArchiveFailure *failure);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamArchiveFailure, sam_archive_failure_free)

SamArchiveDb *sam_archive_db_open (const char *path, GError **error);
void          sam_archive_db_close (SamArchiveDb *self);

/* The modification time PATH had when its chunks were written; -1 when it has none. */
gint64 sam_archive_db_get_modified (SamArchiveDb *self, const char *path, GError **error);
/* Replaces every chunk of PATH by CHUNKS (strings; the position is the index) and its
 * remembered failures by FAILURES (SamArchiveFailure, may be NULL: none), all or nothing,
 * and overwrites the old text on disk. No chunks forgets the file's text. */
gboolean sam_archive_db_replace_file (SamArchiveDb *self,
                                      const char   *path,
                                      GPtrArray    *chunks,
                                      gint64        modified,
                                      gint64        size,
                                      GPtrArray    *failures,
                                      GError      **error);

/* The failures remembered for PATH (SamArchiveFailure, in the order they were found; empty
 * when none), or NULL on error. */
GPtrArray *sam_archive_db_get_failures (SamArchiveDb *self, const char *path, GError **error);
/* Remembers FAILURES (SamArchiveFailure) as the only ones of PATH, which had MODIFIED and
 * SIZE; its chunks stay as they are. */
gboolean sam_archive_db_set_failures (SamArchiveDb *self,
                                      const char   *path,
                                      gint64        modified,
                                      gint64        size,
                                      GPtrArray    *failures,
                                      GError      **error);
/* Forgets the failures of the files inside FOLDER that are not in SEEN (a set of paths): the
 * files that are gone. */
gboolean sam_archive_db_prune_failures (SamArchiveDb *self,
                                        const char   *folder,
                                        GHashTable   *seen,
                                        GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamArchiveDb, sam_archive_db_close)

G_END_DECLS
