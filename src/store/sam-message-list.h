/* sam-message-list.h — a GListModel of one conversation's messages, loaded lazily in pages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-conversation.h"
#include "sam-store.h"

G_BEGIN_DECLS

#define SAM_TYPE_MESSAGE_LIST (sam_message_list_get_type ())

G_DECLARE_FINAL_TYPE (SamMessageList, sam_message_list, SAM, MESSAGE_LIST, GObject)

/* Items are SamMessage, oldest first. Only the ids are read up front; rows are read in pages
 * when asked for. Messages the store appends or removes are reflected with items-changed. */
SamMessageList *
sam_message_list_new (SamStore *store, SamConversation *conversation, GError **error);
SamConversation *sam_message_list_get_conversation (SamMessageList *self);
guint            sam_message_list_find (SamMessageList *self, gint64 message_id);

G_END_DECLS
