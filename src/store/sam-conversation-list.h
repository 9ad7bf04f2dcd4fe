/* sam-conversation-list.h — a GListModel of the conversations for the sidebar.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-store.h"

G_BEGIN_DECLS

#define SAM_TYPE_CONVERSATION_LIST (sam_conversation_list_get_type ())

G_DECLARE_FINAL_TYPE (SamConversationList, sam_conversation_list, SAM, CONVERSATION_LIST, GObject)

/* Items are SamConversation, pinned first, then most recently updated first; deleted ones
 * are left out. Follows the store's changes with items-changed. */
SamConversationList *sam_conversation_list_new (SamStore *store, GError **error);
guint                sam_conversation_list_find (SamConversationList *self, gint64 conversation_id);

G_END_DECLS
