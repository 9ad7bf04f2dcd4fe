/* sam-export.h — exporting every conversation as Markdown and JSON into a directory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint conversations;
  guint messages;
} SamExportStats;

/* Writes DIRECTORY/conversations.json (every conversation and message, importable again with
 * sam_import_file, lossless) and DIRECTORY/markdown/<date>-<title>-<id>.md (one readable file
 * per conversation). DIRECTORY is created if needed; other files in it are left alone. */
gboolean sam_export_to_directory (SamStore       *store,
                                  GFile          *directory,
                                  SamExportStats *stats,
                                  GCancellable   *cancellable,
                                  GError        **error);
void     sam_export_to_directory_async (SamStore           *store,
                                        GFile              *directory,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
gboolean sam_export_to_directory_finish (SamStore       *store,
                                         GAsyncResult   *result,
                                         SamExportStats *stats,
                                         GError        **error);

/* `samantha --export DIR`: exports the default store, prints a one-line summary, or a one-line
 * error on stderr. Returns the exit status. */
int sam_export_command_line (const char *path);

G_END_DECLS
