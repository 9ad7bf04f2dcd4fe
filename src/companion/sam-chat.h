/* sam-chat.h — one conversation in motion: a turn from the user's message to the stored reply.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/sam-provider.h"
#include "store/sam-conversation.h"
#include "store/sam-message.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

#define SAM_TYPE_CHAT (sam_chat_get_type ())

G_DECLARE_FINAL_TYPE (SamChat, sam_chat, SAM, CHAT, GObject)

SamChat         *sam_chat_new (SamStore *store, SamConversation *conversation, GError **error);
SamStore        *sam_chat_get_store (SamChat *self);
SamConversation *sam_chat_get_conversation (SamChat *self);
GListModel      *sam_chat_get_messages (SamChat *self);
gboolean         sam_chat_get_busy (SamChat *self);
gboolean         sam_chat_get_had_crisis (SamChat *self);
void             sam_chat_set_settings (SamChat *self, GSettings *settings);
SamProvider     *sam_chat_get_provider (SamChat *self);
void             sam_chat_set_provider (SamChat *self, SamProvider *provider);
gboolean         sam_chat_send (SamChat *self, const char *text, GError **error);
void             sam_chat_stop (SamChat *self);
gboolean         sam_chat_regenerate (SamChat *self, GError **error);
char            *sam_chat_take_last_user_message (SamChat *self, GError **error);
void             sam_chat_set_learn_delay (SamChat *self, guint delay_ms);
void             sam_chat_set_history_tokens (SamChat *self, guint tokens);

G_END_DECLS
