/* sam-conversation.h — one stored conversation: title, times, pin, kind and draft.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_CONVERSATION_KIND_NORMAL,
  SAM_CONVERSATION_KIND_QUICK_REPLY,
  SAM_CONVERSATION_KIND_TEMPORARY,
} SamConversationKind;

#define SAM_TYPE_CONVERSATION_KIND (sam_conversation_kind_get_type ())
#define SAM_TYPE_CONVERSATION      (sam_conversation_get_type ())

GType sam_conversation_kind_get_type (void);

G_DECLARE_FINAL_TYPE (SamConversation, sam_conversation, SAM, CONVERSATION, GObject)

/* Conversations are created, changed and deleted through SamStore, which updates these
 * objects (with notify) so every view of one conversation sees the same object. */
gint64              sam_conversation_get_id (SamConversation *self);
const char         *sam_conversation_get_uuid (SamConversation *self);
const char         *sam_conversation_get_title (SamConversation *self);
SamConversationKind sam_conversation_get_kind (SamConversation *self);
gint64              sam_conversation_get_created (SamConversation *self);
gint64              sam_conversation_get_updated (SamConversation *self);
gboolean            sam_conversation_get_pinned (SamConversation *self);
gboolean            sam_conversation_get_deleted (SamConversation *self);
const char         *sam_conversation_get_draft (SamConversation *self);

const char *sam_conversation_kind_to_string (SamConversationKind kind);
gboolean    sam_conversation_kind_from_string (const char *string, SamConversationKind *kind);

G_END_DECLS
