/* sam-store-private.h — what the store's own files share and nobody else may use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "sam-conversation.h"
#include "sam-message.h"
#include "sam-store.h"

G_BEGIN_DECLS

#define SAM_STORE_MESSAGE_COLUMNS                                                                \
  "id, conversation_id, role, content, created, state, model, finish_reason, error, tokens_in, " \
  "tokens_out"

#define SAM_STORE_CONVERSATION_COLUMNS \
  "id, uuid, title, kind, created, updated, pinned, deleted, draft"

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. */
static inline gboolean
_sam_set_str (char **str_pointer, const char *new_str)
{
  if (*str_pointer == new_str || g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;
  g_free (*str_pointer);
  *str_pointer = g_strdup (new_str);
  return TRUE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A statement from _sam_store_prepare(), reset (ending its read transaction) when it goes
 * out of scope: g_auto (SamCachedStmt) stmt = _sam_store_prepare (...). */
typedef sqlite3_stmt *SamCachedStmt;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (SamCachedStmt, sqlite3_reset, NULL)

SamMessage *_sam_message_new (gint64          id,
                              gint64          conversation_id,
                              SamMessageRole  role,
                              const char     *content,
                              gint64          created,
                              SamMessageState state,
                              const char     *model,
                              const char     *finish_reason,
                              const char     *error,
                              gint64          tokens_in,
                              gint64          tokens_out);
void        _sam_message_set_finished (SamMessage     *self,
                                       SamMessageState state,
                                       const char     *finish_reason,
                                       const char     *error);

SamConversation *_sam_conversation_new (gint64              id,
                                        const char         *uuid,
                                        const char         *title,
                                        SamConversationKind kind,
                                        gint64              created,
                                        gint64              updated,
                                        gboolean            pinned,
                                        gboolean            deleted,
                                        const char         *draft);
void             _sam_conversation_set_title (SamConversation *self, const char *title);
void             _sam_conversation_set_updated (SamConversation *self, gint64 updated);
void             _sam_conversation_set_pinned (SamConversation *self, gboolean pinned);
void             _sam_conversation_set_deleted (SamConversation *self, gboolean deleted);
void             _sam_conversation_set_draft (SamConversation *self, const char *draft);

/* A second connection to the same file, for a worker thread. Close with sqlite3_close. */
sqlite3 *_sam_store_open_connection (const char *path, GError **error);

/* What a query run by a worker thread on a connection of its own needs: the file, a text (what
 * is searched for, a model's name) and a limit. Task data; free with _sam_thread_query_free. */
typedef struct
{
  char *path;
  char *text;
  guint limit;
} SamThreadQuery;

SamThreadQuery *_sam_thread_query_new (SamStore *self, const char *text, guint limit);
void            _sam_thread_query_free (gpointer data);
sqlite3        *_sam_store_get_db (SamStore *self);
/* A statement of the main connection, prepared once per SQL text (which must be static). */
sqlite3_stmt *_sam_store_prepare (SamStore *self, const char *sql, GError **error);
SamMessage   *_sam_store_lookup_message (SamStore *self, gint64 id);
void          _sam_store_set_error (GError **error, sqlite3 *db, const char *what);
gboolean      _sam_store_exec (sqlite3 *db, const char *sql, GError **error);
/* The message for the current row of a statement selecting SAM_STORE_MESSAGE_COLUMNS; the
 * object already handed out for that id if there is one. */
SamMessage *_sam_store_message_from_row (SamStore *self, sqlite3_stmt *stmt);
void        _sam_store_emit_reloaded (SamStore *self);

/* Export and import write times as ISO 8601 in UTC with microseconds. */
char *_sam_export_format_time (gint64 usec);
/* "3 conversations with 42 messages", for the command line's summaries. */
char *_sam_describe_counts (guint conversations, guint messages);

G_END_DECLS
