/* sam-chat-view.h — the conversation view: messages, composer and the AI label.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "companion/sam-chat.h"

G_BEGIN_DECLS

#define SAM_TYPE_CHAT_VIEW (sam_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (SamChatView, sam_chat_view, SAM, CHAT_VIEW, GtkWidget)

GtkWidget *sam_chat_view_new (void);
SamChat   *sam_chat_view_get_chat (SamChatView *self);
void       sam_chat_view_set_chat (SamChatView *self, SamChat *chat);
void       sam_chat_view_set_banner (SamChatView *self, GtkWidget *banner);
void       sam_chat_view_scroll_to_message (SamChatView *self, gint64 message_id);
void       sam_chat_view_focus_composer (SamChatView *self);
void       sam_chat_view_set_compact (SamChatView *self, gboolean compact);
void       sam_chat_view_set_companion_name (SamChatView *self, const char *name);

G_END_DECLS
