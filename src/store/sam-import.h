/* sam-import.h — importing a ChatGPT data export or Samantha's own export into the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint conversations; /* conversations added */
  guint messages;      /* messages added */
  guint skipped;       /* conversations already in the store (same id), left alone */
} SamImportStats;

/* FILE is a ChatGPT `conversations.json`, Samantha's `conversations.json` from --export, or
 * a directory holding either. All or nothing: a malformed file imports nothing and the
 * error says why. */
gboolean sam_import_file (
    SamStore *store, GFile *file, SamImportStats *stats, GCancellable *cancellable, GError **error);
void     sam_import_file_async (SamStore           *store,
                                GFile              *file,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
gboolean sam_import_file_finish (SamStore       *store,
                                 GAsyncResult   *result,
                                 SamImportStats *stats,
                                 GError        **error);

/* `samantha --import FILE`: imports into the default store, prints a one-line summary, or a
 * one-line error on stderr. Returns the exit status. */
int sam_import_command_line (const char *path);

G_END_DECLS
