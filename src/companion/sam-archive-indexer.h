/* sam-archive-indexer.h — reads the folders the user chose, in the background, into memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "companion/sam-fact-extractor.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

/* A file (and, for a mail of a mailbox, its subject) that was not read, and why. */
typedef struct
{
  char *path;
  char *title; /* a mail's subject, or NULL */
  char *reason;
} SamArchiveProblem;

/* What one run did. */
typedef struct
{
  guint      n_files;     /* files found that Samantha reads */
  guint      n_indexed;   /* read and saved this time */
  guint      n_unchanged; /* unchanged since they were last read or tried: skipped */
  guint      n_read;      /* opened and read this time, whether or not they could be */
  guint      n_failed;    /* could not be read, this time or unchanged since: see FAILED */
  guint      n_set_aside; /* texts that speak to an AI with instructions: see SET_ASIDE */
  guint      n_chunks;    /* chunks written */
  guint      n_facts;     /* facts proposed, all waiting for the user's review */
  gboolean   cancelled;
  gint64     elapsed;     /* µs the reading took */
  char      *infer_error; /* why learning facts did not work, or NULL */
  GPtrArray *failed;      /* SamArchiveProblem */
  GPtrArray *set_aside;   /* SamArchiveProblem */
} SamArchiveSummary;

#define SAM_TYPE_ARCHIVE_SUMMARY (sam_archive_summary_get_type ())

GType              sam_archive_summary_get_type (void) G_GNUC_CONST;
SamArchiveSummary *sam_archive_summary_copy (const SamArchiveSummary *summary);
void               sam_archive_summary_free (SamArchiveSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamArchiveSummary, sam_archive_summary_free)

#define SAM_TYPE_ARCHIVE_INDEXER (sam_archive_indexer_get_type ())

G_DECLARE_FINAL_TYPE (SamArchiveIndexer, sam_archive_indexer, SAM, ARCHIVE_INDEXER, GObject)

/* Properties, all notified on the main context: running, fraction, current-file, n-files,
 * n-done, n-failed, n-set-aside; extractor (read-write, may be NULL). */
SamArchiveIndexer *sam_archive_indexer_new (SamStore *store);

/* Without an extractor the files are indexed for recall, and no facts are proposed. */
void sam_archive_indexer_set_extractor (SamArchiveIndexer *self, SamFactExtractor *extractor);
SamFactExtractor *sam_archive_indexer_get_extractor (SamArchiveIndexer *self);

gboolean    sam_archive_indexer_get_running (SamArchiveIndexer *self);
double      sam_archive_indexer_get_fraction (SamArchiveIndexer *self);
const char *sam_archive_indexer_get_current_file (SamArchiveIndexer *self);
guint       sam_archive_indexer_get_n_files (SamArchiveIndexer *self);
guint       sam_archive_indexer_get_n_done (SamArchiveIndexer *self);
guint       sam_archive_indexer_get_n_failed (SamArchiveIndexer *self);
guint       sam_archive_indexer_get_n_set_aside (SamArchiveIndexer *self);
/* The last run's summary (also a cancelled one), or NULL before the first. */
const SamArchiveSummary *sam_archive_indexer_get_summary (SamArchiveIndexer *self);

/* Reads every supported file under FOLDERS (recursively; hidden folders and files left out,
 * symbolic links followed without loops) into archive chunks, in a thread with its own
 * database connection. A file unchanged since it was last read is skipped; a changed one
 * replaces its chunks. A damaged file is counted and skipped; a text that speaks to an AI
 * with instructions is set aside. Both are remembered with the file's modification time and
 * size: until the file changes it is not read again, and listed in the summary as before
 * (failures of files gone from FOLDERS are forgotten). Then, with an extractor, facts are proposed from what was
 * read, each waiting for the user's review. Cancelling stops soon and keeps what was read. */
void sam_archive_indexer_index_async (SamArchiveIndexer  *self,
                                      const char *const  *folders,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
/* Stops the run under way, if any, as its cancellable would. */
void sam_archive_indexer_cancel (SamArchiveIndexer *self);

SamArchiveSummary *
sam_archive_indexer_index_finish (SamArchiveIndexer *self, GAsyncResult *result, GError **error);

G_END_DECLS
