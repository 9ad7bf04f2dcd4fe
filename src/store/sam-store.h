/* sam-store.h — Samantha's SQLite store: conversations, messages, search, safety counts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-conversation.h"
#include "sam-message.h"

G_BEGIN_DECLS

/* The schema version this build writes (PRAGMA user_version). */
#define SAM_STORE_SCHEMA_VERSION 8

/* Times are microseconds since the Unix epoch, UTC (as g_get_real_time ()). */

#define SAM_STORE_ERROR (sam_store_error_quark ())

typedef enum
{
  SAM_STORE_ERROR_FAILED,       /* SQLite said no (disk full, locked, I/O) */
  SAM_STORE_ERROR_NEWER_SCHEMA, /* the database was written by a newer Samantha */
  SAM_STORE_ERROR_CORRUPT,      /* not a database, or a damaged one */
  SAM_STORE_ERROR_NOT_FOUND,    /* no such conversation or message */
  SAM_STORE_ERROR_INVALID,      /* a bad argument, e.g. a safety event kind with text */
  SAM_STORE_ERROR_MALFORMED,    /* an import file that is not what it claims to be */
} SamStoreError;

GQuark sam_store_error_quark (void);

#define SAM_TYPE_STORE (sam_store_get_type ())

G_DECLARE_FINAL_TYPE (SamStore, sam_store, SAM, STORE, GObject)

/* Signals, all on the main context:
 *   conversation-added (SamConversation *)    created or undeleted
 *   conversation-changed (SamConversation *)  title, pin or updated time changed
 *   conversation-removed (SamConversation *)  deleted (soft) or purged
 *   conversations-reloaded ()                 many changed at once (an import): reload
 *   message-added (SamMessage *)              appended to its conversation
 *   messages-removed (gint64 conversation_id, gint64 first_message_id)
 *                                             that message and every later one are gone */

/* Opens (creating and migrating as needed) $XDG_DATA_HOME/samantha/samantha.db, or PATH.
 * Any reply left streaming by a process that is gone is marked interrupted. */
SamStore   *sam_store_new (GError **error);
SamStore   *sam_store_new_for_path (const char *path, GError **error);
char       *sam_store_dup_default_path (void);
const char *sam_store_get_path (SamStore *self);

/* Conversations. The store hands out one SamConversation object per id. */
SamConversation *sam_store_create_conversation (SamStore           *self,
                                                const char         *title,
                                                SamConversationKind kind,
                                                GError            **error);
SamConversation *sam_store_get_conversation (SamStore *self, gint64 id, GError **error);
GPtrArray       *sam_store_list_conversations (SamStore *self, GError **error);
GPtrArray       *sam_store_list_first_conversations (SamStore *self, guint limit, GError **error);
gboolean         sam_store_count_conversations (SamStore *self, guint *count, GError **error);
gboolean         sam_store_rename_conversation (SamStore        *self,
                                                SamConversation *conversation,
                                                const char      *title,
                                                GError         **error);
gboolean         sam_store_set_conversation_pinned (SamStore        *self,
                                                    SamConversation *conversation,
                                                    gboolean         pinned,
                                                    GError         **error);
gboolean         sam_store_set_conversation_draft (SamStore        *self,
                                                   SamConversation *conversation,
                                                   const char      *draft,
                                                   GError         **error);
gboolean
sam_store_delete_conversation (SamStore *self, SamConversation *conversation, GError **error);
gboolean
sam_store_undelete_conversation (SamStore *self, SamConversation *conversation, GError **error);
gboolean
sam_store_purge_conversation (SamStore *self, SamConversation *conversation, GError **error);

/* Messages, in the order of a turn: the user message is committed before anything is sent;
 * the reply begins streaming, is checkpointed about every half second, then finished. */
SamMessage *sam_store_append_message (SamStore        *self,
                                      SamConversation *conversation,
                                      SamMessageRole   role,
                                      const char      *content,
                                      GError         **error);
SamMessage *sam_store_begin_assistant_message (SamStore        *self,
                                               SamConversation *conversation,
                                               const char      *model,
                                               GError         **error);
gboolean    sam_store_checkpoint_message (SamStore *self, SamMessage *message, GError **error);
void        sam_store_wait_for_checkpoints (SamStore *self);
gboolean    sam_store_finish_message (SamStore       *self,
                                      SamMessage     *message,
                                      SamMessageState state,
                                      const char     *finish_reason,
                                      const char     *error_message,
                                      GError        **error);
gboolean    sam_store_delete_messages_from (SamStore        *self,
                                            SamConversation *conversation,
                                            gint64           first_message_id,
                                            GError         **error);
SamMessage *sam_store_get_message (SamStore *self, gint64 id, GError **error);
GPtrArray  *sam_store_get_recent_messages (SamStore        *self,
                                           SamConversation *conversation,
                                           guint            limit,
                                           GError         **error);
guint sam_store_count_messages (SamStore *self, SamConversation *conversation, GError **error);

/* Full-text search over every message of every conversation not deleted; newest first.
 * Returns a GListModel of SamSearchHit. QUERY is plain user text, not FTS syntax. */
GListModel *sam_store_search (SamStore *self, const char *query, guint limit, GError **error);
void        sam_store_search_async (SamStore           *self,
                                    const char         *query,
                                    guint               limit,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
GListModel *sam_store_search_finish (SamStore *self, GAsyncResult *result, GError **error);

/* Safety events are counted by day and kind, never stored with any text. KIND is a short
 * identifier ([a-z0-9_-], at most 32 characters); DAY is "YYYY-MM-DD" in local time. */
gboolean sam_store_add_safety_event (SamStore *self, const char *kind, GError **error);
guint
sam_store_count_safety_events (SamStore *self, const char *day, const char *kind, GError **error);

G_END_DECLS
